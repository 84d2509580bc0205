#!/usr/bin/env node
// Waits until a Kafka broker answers a metadata request (kafkajs admin describeCluster +
// listTopics), retrying until a deadline. Used by infra/kafka/kafka.sh (start/status).
//
// Usage:
//   node infra/kafka/wait-for-kafka.cjs [--brokers host:port[,host:port]] [--timeout 90]
//                                       [--once] [--quiet] [--pid N] [--log file]...
//
//   --brokers  default: $KAFKA_BROKERS, else 127.0.0.1:${KAFKA_PORT:-9092}
//   --timeout  seconds to keep retrying (default 90)
//   --once     a single quick attempt (for "is it already running?" checks)
//   --pid      broker process id: give up at once if that process exits
//   --log      log file(s) whose tail is printed on failure (repeatable)
//   --quiet    print nothing on success
//
// Exit codes: 0 broker answered, 1 timed out / failed, 2 the --pid process died.
'use strict';

const fs = require('node:fs');
const { Kafka, logLevel } = require('kafkajs');

function parseArgs(argv) {
  const opts = {
    brokers: process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || '9092'}`,
    timeoutSec: 90,
    once: false,
    quiet: false,
    pid: null,
    logs: [],
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const next = () => {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`missing value for ${arg}`);
      i += 1;
      return value;
    };
    switch (arg) {
      case '--brokers': opts.brokers = next(); break;
      case '--timeout': opts.timeoutSec = Number(next()); break;
      case '--once': opts.once = true; break;
      case '--quiet': opts.quiet = true; break;
      case '--pid': opts.pid = Number(next()); break;
      case '--log': opts.logs.push(next()); break;
      default: throw new Error(`unknown argument: ${arg}`);
    }
  }
  if (!Number.isFinite(opts.timeoutSec) || opts.timeoutSec <= 0) {
    throw new Error('--timeout must be a positive number of seconds');
  }
  return opts;
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function tail(file, lines) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch (err) {
    return `(cannot read ${file}: ${err.code || err.message})`;
  }
}

function printLogTails(files) {
  for (const file of files) {
    console.error(`---- last lines of ${file} ----`);
    console.error(tail(file, 40));
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(brokers, timeoutMs) {
  const kafka = new Kafka({
    clientId: 'signalbox-wait-for-kafka',
    brokers,
    connectionTimeout: Math.min(3000, timeoutMs),
    requestTimeout: Math.max(1000, timeoutMs),
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const topics = await admin.listTopics();
    return { cluster, topics };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const brokers = opts.brokers.split(',').map((b) => b.trim()).filter(Boolean);
  const started = Date.now();
  const deadline = started + (opts.once ? 5000 : opts.timeoutSec * 1000);
  let attempt = 0;
  let lastError = null;

  while (true) {
    attempt += 1;
    if (opts.pid && !processAlive(opts.pid)) {
      console.error(`kafka: broker process ${opts.pid} exited before answering on ${brokers.join(',')}`);
      printLogTails(opts.logs);
      return 2;
    }
    try {
      const { cluster, topics } = await probe(brokers, opts.once ? 3000 : 5000);
      if (!opts.quiet) {
        const advertised = cluster.brokers.map((b) => `${b.host}:${b.port}`).join(',');
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        console.log(
          `kafka: broker answers on ${brokers.join(',')} (advertised ${advertised}, cluster ${cluster.clusterId}, ` +
            `controller ${cluster.controller}, ${topics.length} topics) after ${secs}s`,
        );
      }
      return 0;
    } catch (err) {
      lastError = err;
    }
    if (opts.once || Date.now() >= deadline) break;
    await sleep(Math.min(1000, 250 * attempt));
  }

  if (!opts.once || !opts.quiet) {
    const why = lastError ? `${lastError.name}: ${lastError.message}` : 'no answer';
    console.error(
      `kafka: no broker answered on ${brokers.join(',')} within ${opts.once ? 'one attempt' : `${opts.timeoutSec}s`} (${why})`,
    );
    printLogTails(opts.logs);
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`kafka: wait-for-kafka failed: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
