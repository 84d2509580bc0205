import { expect } from 'vitest';
import { AppError } from '@/lib/errors';

/** The message of the configuration error `fn` throws (an AppError); fails the test if it throws none. */
export function configErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).message;
  }
  throw new Error('expected a configuration error');
}
