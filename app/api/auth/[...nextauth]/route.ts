import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { buildAuthOptions } from '@/lib/auth/next-auth-options';

type Ctx = { params: Promise<{ nextauth: string[] }> };

// Built per request so configuration is read at run time, not at build time.
async function handler(req: NextRequest, ctx: Ctx) {
  return NextAuth(req, ctx, buildAuthOptions());
}

export { handler as GET, handler as POST };
