// A jobs worker process for tests: the same wiring as workers/jobs/index.ts, with the
// test kinds added, so a test can SIGKILL a real worker in the middle of a job.
import { jobsEnvSchema } from '@/lib/config/jobs-env';
import { parseEnv } from '@/lib/config/parse-env';
import { startJobsWorker } from '@/lib/jobs/jobs-worker';
import { jobKinds } from '@/lib/jobs/kinds';
import { testJobKinds } from './job-kinds';

const env = parseEnv(jobsEnvSchema, process.env, 'test jobs worker');
const worker = await startJobsWorker(env, [...jobKinds, ...testJobKinds], { info: (l) => console.log(l), warn: (l) => console.warn(l) });
console.log(`jobs worker ready ${process.pid}`);
process.on('SIGTERM', () => {
  void worker.stop().then(() => process.exit(0));
});
