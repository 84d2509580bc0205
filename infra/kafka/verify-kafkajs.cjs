#!/usr/bin/env node
// Exercises every kafkajs (2.2.4) call Signalbox makes against a running broker and prints
// one line per check. Exit 0 only if every check passes.
//
//   node infra/kafka/verify-kafkajs.cjs            # brokers: $KAFKA_BROKERS or 127.0.0.1:9092
//
// Uses unique topic/group names and deletes them at the end. Any protocol error (e.g. an
// API version the broker no longer supports, KIP-896 in Kafka 4.x) shows up as a FAIL line
// with the kafkajs error name/type. See docs/infra-kafka.md.
'use strict';

const crypto = require('node:crypto');
const { Kafka, logLevel, AssignerProtocol } = require('kafkajs');

const brokers = (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || '9092'}`)
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const runId = `${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
const topic = `signalbox.verify.${runId}`;
const topicDefaultRf = `signalbox.verify.${runId}.default-rf`;
const groupId = `signalbox-verify-${runId}`;
const autoGroupId = `signalbox-verify-${runId}-auto`;
const PARTITIONS = 12;

// kafkajs log lines at WARN/ERROR are echoed (prefixed) so protocol trouble is visible.
const kafkaLogs = [];
const logCreator = () => ({ namespace, level, log }) => {
  if (level > logLevel.WARN) return;
  const { message, error } = log;
  const line = `  [kafkajs ${level === logLevel.ERROR ? 'ERROR' : 'WARN'} ${namespace}] ${message}${error ? ` (${error})` : ''}`;
  kafkaLogs.push(line);
  console.log(line);
};

const kafka = new Kafka({
  clientId: 'signalbox-verify-kafkajs',
  brokers,
  connectionTimeout: 3000,
  requestTimeout: 15000,
  retry: { retries: 3 },
  logLevel: logLevel.WARN,
  logCreator,
});

const results = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function describeError(err) {
  if (!err) return 'unknown error';
  const parts = [err.name || 'Error'];
  if (err.type) parts.push(err.type);
  if (err.code !== undefined) parts.push(`code ${err.code}`);
  let text = `${parts.join('/')}: ${err.message}`;
  if (err.cause && err.cause !== err) text += ` <- ${describeError(err.cause)}`;
  return text;
}

function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

function withTimeout(promise, ms, label) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function check(name, fn, { timeoutMs = 30000 } = {}) {
  const t0 = Date.now();
  try {
    const detail = await withTimeout(Promise.resolve().then(fn), timeoutMs, name);
    const ms = Date.now() - t0;
    results.push({ name, ok: true });
    console.log(`PASS ${name} (${ms} ms)${detail ? ` - ${detail}` : ''}`);
    return true;
  } catch (err) {
    const ms = Date.now() - t0;
    results.push({ name, ok: false, error: describeError(err) });
    console.log(`FAIL ${name} (${ms} ms) - ${describeError(err)}`);
    return false;
  }
}

async function waitFor(predicate, timeoutMs, label) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
}

function makeMessages(prefix, count) {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-key-${i}`,
    value: JSON.stringify({ prefix, i, at: new Date().toISOString() }),
    headers: { 'x-signalbox-run': runId, 'x-seq': String(i) },
  }));
}

async function main() {
  console.log(`verify-kafkajs: kafkajs ${require('kafkajs/package.json').version}, brokers ${brokers.join(',')}`);
  console.log(`verify-kafkajs: topic ${topic}, group ${groupId}`);

  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    rebalanceTimeout: 20000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });

  const received = new Map(); // key -> { partition, offset }
  const committed = new Map(); // partition -> next offset committed by us
  let batches = 0;
  let heartbeats = 0;
  let paused = false;
  let receivedWhilePaused = 0;
  let consumerCrashed = null; // fatal crash (kafkajs will not restart)
  const consumerRestarts = []; // retriable crashes kafkajs recovered from by restarting
  let producedTotal = 0;
  let topicCreated = false;
  let defaultRfTopicCreated = false;
  let autoConsumer = null;
  let consumerRunning = false;

  consumer.on(consumer.events.HEARTBEAT, () => {
    heartbeats += 1;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    const { error, restart } = e.payload || {};
    // kafkajs restarts the consumer itself for retriable errors (restartOnFailure default);
    // e.g. GROUP_LOAD_IN_PROGRESS right after __consumer_offsets is created on a fresh broker.
    if (restart) consumerRestarts.push(describeError(error));
    else consumerCrashed = error || new Error('consumer crashed');
  });

  try {
    await check('admin.connect', () => admin.connect());

    await check('admin.describeCluster', async () => {
      const c = await admin.describeCluster();
      const advertised = c.brokers.map((b) => `${b.host}:${b.port}`).join(',');
      assert(c.brokers.length >= 1, 'at least one broker');
      return `cluster ${c.clusterId}, controller ${c.controller}, brokers ${advertised}`;
    });

    await check('admin.createTopics (12 partitions, RF 1)', async () => {
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      assert(created === true, `createTopics returned ${created}`);
      topicCreated = true;
      return 'created';
    });

    await check('admin.createTopics again (already exists -> false)', async () => {
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      });
      assert(created === false, `expected false, got ${created}`);
      return 'returned false';
    });

    // lib/adapters/kafka/kafka-client.ts ensureTopics: replicationFactor -1 (broker default)
    // plus configEntries. -1 needs no newer CreateTopics version: kafkajs sends v3, accepted.
    await check('admin.createTopics (replicationFactor -1 = broker default, configEntries)', async () => {
      const created = await admin.createTopics({
        topics: [{
          topic: topicDefaultRf,
          numPartitions: 3,
          replicationFactor: -1,
          configEntries: [{ name: 'retention.ms', value: '3600000' }],
        }],
        waitForLeaders: true,
      });
      assert(created === true, `createTopics returned ${created}`);
      defaultRfTopicCreated = true;
      const { topics } = await admin.fetchTopicMetadata({ topics: [topicDefaultRf] });
      assert(topics[0].partitions.length === 3, `partitions ${topics[0].partitions.length}`);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: topicDefaultRf, configNames: ['retention.ms'] }],
      });
      const retention = resources[0].configEntries.find((e) => e.configName === 'retention.ms');
      assert(retention && retention.configValue === '3600000', `retention.ms ${retention && retention.configValue}`);
      return `3 partitions x ${topics[0].partitions[0].replicas.length} replica, retention.ms=3600000`;
    });

    await check('admin.listTopics', async () => {
      const topics = await admin.listTopics();
      assert(topics.includes(topic), 'new topic listed');
      return `${topics.length} topics`;
    });

    await check('admin.fetchTopicMetadata', async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      assert(topics.length === 1 && topics[0].name === topic, 'one topic returned');
      const parts = topics[0].partitions;
      assert(parts.length === PARTITIONS, `expected ${PARTITIONS} partitions, got ${parts.length}`);
      assert(parts.every((p) => p.leader >= 0 && p.replicas.length === 1), 'every partition has a leader, 1 replica');
      return `${parts.length} partitions, leaders ${[...new Set(parts.map((p) => p.leader))].join(',')}`;
    });

    await check('admin.describeConfigs (topic)', async () => {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* ConfigResourceTypes.TOPIC */, name: topic, configNames: ['cleanup.policy', 'min.insync.replicas'] }],
      });
      assert(resources[0].errorCode === 0, `errorCode ${resources[0].errorCode}`);
      return resources[0].configEntries.map((e) => `${e.configName}=${e.configValue}`).join(', ');
    });

    const tBeforeProduce = Date.now() - 1000;

    await check('producer.connect (idempotent, maxInFlightRequests 1)', () => producer.connect());

    await check('producer.send (acks -1, idempotent)', async () => {
      const messages = makeMessages('send', 24);
      const res = await producer.send({ topic, acks: -1, messages });
      producedTotal += messages.length;
      assert(res.length >= 1 && res.every((r) => r.errorCode === 0), `errors: ${JSON.stringify(res)}`);
      return `${messages.length} messages -> ${res.length} partitions`;
    });

    await check('producer.sendBatch (acks -1)', async () => {
      const a = makeMessages('batch-a', 12);
      const b = makeMessages('batch-b', 12);
      const res = await producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic, messages: a },
          { topic, messages: b },
        ],
      });
      producedTotal += a.length + b.length;
      assert(res.every((r) => r.errorCode === 0), `errors: ${JSON.stringify(res)}`);
      return `${a.length + b.length} messages -> ${res.length} partition results`;
    });

    await check('admin.fetchTopicOffsets (ListOffsets)', async () => {
      const offsets = await admin.fetchTopicOffsets(topic);
      assert(offsets.length === PARTITIONS, `partitions ${offsets.length}`);
      const total = offsets.reduce((sum, o) => sum + (Number(o.high) - Number(o.low)), 0);
      assert(total === producedTotal, `high-low sum ${total} != produced ${producedTotal}`);
      return `sum(high-low)=${total}`;
    });

    await check('admin.fetchTopicOffsetsByTimestamp (ListOffsets by time)', async () => {
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, tBeforeProduce);
      assert(offsets.length === PARTITIONS, `partitions ${offsets.length}`);
      assert(offsets.every((o) => o.offset === '0'), `expected all 0, got ${offsets.map((o) => o.offset).join(',')}`);
      return 'all partitions -> offset 0';
    });

    await check('consumer.connect + subscribe', async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
    });

    await check('consumer.run (eachBatch, autoCommit false, manual commitOffsets)', async () => {
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          batches += 1;
          let last = null;
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            const key = message.key ? message.key.toString() : null;
            assert(message.headers && message.headers['x-signalbox-run'].toString() === runId, 'header round-trip');
            if (paused) receivedWhilePaused += 1;
            received.set(key, { partition: batch.partition, offset: message.offset });
            resolveOffset(message.offset);
            last = message.offset;
          }
          await heartbeat();
          if (last !== null) {
            const next = (BigInt(last) + 1n).toString();
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
            committed.set(batch.partition, next);
          }
        },
      });
      consumerRunning = true;
      await waitFor(() => received.size >= producedTotal || consumerCrashed, 30000, `${producedTotal} messages`);
      if (consumerCrashed) throw consumerCrashed;
      assert(received.size === producedTotal, `received ${received.size} != ${producedTotal}`);
      const restarts = consumerRestarts.length ? `; kafkajs restarted the consumer ${consumerRestarts.length}x after: ${consumerRestarts.join(' | ')}` : '';
      return `${received.size} messages in ${batches} batches${restarts}`;
    }, { timeoutMs: 45000 });

    await check('consumer heartbeat (HEARTBEAT events)', async () => {
      const before = heartbeats;
      await waitFor(() => heartbeats > before, 5000, 'a heartbeat');
      return `${heartbeats} heartbeats so far`;
    });

    await check('admin.describeGroups (running group)', async () => {
      const { groups } = await admin.describeGroups([groupId]);
      const g = groups[0];
      assert(g && g.errorCode === 0, `errorCode ${g && g.errorCode}`);
      assert(g.state === 'Stable', `state ${g.state}`);
      assert(g.protocolType === 'consumer', `protocolType ${g.protocolType}`);
      assert(g.members.length === 1, `members ${g.members.length}`);
      const assignment = AssignerProtocol.MemberAssignment.decode(g.members[0].memberAssignment);
      const assigned = (assignment.assignment[topic] || []).length;
      assert(assigned === PARTITIONS, `assigned ${assigned} partitions`);
      return `state ${g.state}, protocol ${g.protocol}, 1 member with ${assigned} partitions`;
    });

    await check('admin.listGroups', async () => {
      const { groups } = await admin.listGroups();
      const mine = groups.find((g) => g.groupId === groupId);
      assert(mine, 'group listed');
      return `${groups.length} groups, ours protocolType=${mine.protocolType}`;
    });

    await check('consumer.pause / resume', async () => {
      consumer.pause([{ topic }]);
      paused = true;
      const pausedList = consumer.paused();
      assert(pausedList.some((p) => p.topic === topic), 'paused() lists topic');
      // Let any in-flight fetch drain, then produce while paused.
      await sleep(500);
      receivedWhilePaused = 0;
      const extra = makeMessages('paused', 12);
      await producer.send({ topic, acks: -1, messages: extra });
      producedTotal += extra.length;
      const hbBefore = heartbeats;
      await sleep(3000);
      assert(receivedWhilePaused === 0, `${receivedWhilePaused} messages delivered while paused`);
      const hbWhilePaused = heartbeats - hbBefore;
      paused = false;
      consumer.resume([{ topic }]);
      assert(!consumer.paused().some((p) => p.topic === topic), 'resumed');
      await waitFor(() => received.size >= producedTotal || consumerCrashed, 20000, 'messages after resume');
      if (consumerCrashed) throw consumerCrashed;
      return `0 delivered while paused (${hbWhilePaused} heartbeats meanwhile), ${extra.length} after resume`;
    }, { timeoutMs: 40000 });

    await check('admin.fetchOffsets (committed group offsets)', async () => {
      const high = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
      let last = null;
      await waitFor(async () => {
        const res = await admin.fetchOffsets({ groupId, topics: [topic] });
        last = res[0].partitions;
        return last.length === PARTITIONS && last.every((p) => p.offset === high.get(p.partition));
      }, 10000, 'committed offsets == high watermarks');
      return `${last.length} partitions committed at high watermark (sum ${[...high.values()].reduce((s, v) => s + Number(v), 0)})`;
    });

    // lib/adapters/kafka/consumer-runtime.ts: autoCommit true with eachBatchAutoResolve false,
    // resolveOffset + heartbeat + commitOffsetsIfNecessary inside eachBatch, consumer.stop().
    await check('consumer.run (eachBatch, autoCommit + commitOffsetsIfNecessary) + stop', async () => {
      autoConsumer = kafka.consumer({
        groupId: autoGroupId,
        sessionTimeout: 10000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 200,
        allowAutoTopicCreation: false,
        retry: { retries: 10 },
      });
      const seen = new Set();
      let fatal = null;
      autoConsumer.on(autoConsumer.events.CRASH, (e) => {
        if (!(e.payload && e.payload.restart)) fatal = (e.payload && e.payload.error) || new Error('crashed');
      });
      await autoConsumer.connect();
      await autoConsumer.subscribe({ topics: [topic], fromBeginning: true });
      await autoConsumer.run({
        autoCommit: true,
        autoCommitInterval: 1000,
        autoCommitThreshold: 1000,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
          for (const m of batch.messages) {
            if (!isRunning() || isStale()) break;
            seen.add(`${batch.partition}:${m.offset}`);
            resolveOffset(m.offset);
          }
          await heartbeat();
          await commitOffsetsIfNecessary();
        },
      });
      await waitFor(() => seen.size >= producedTotal || fatal, 30000, `${producedTotal} messages (auto-commit group)`);
      if (fatal) throw fatal;
      await autoConsumer.stop();
      const high = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
      const res = await admin.fetchOffsets({ groupId: autoGroupId, topics: [topic] });
      const behind = res[0].partitions.filter((p) => p.offset !== high.get(p.partition));
      assert(behind.length === 0, `not committed up to high watermark after stop: ${JSON.stringify(behind)}`);
      await autoConsumer.disconnect();
      autoConsumer = null;
      return `${seen.size} messages; after stop() every partition committed at the high watermark`;
    }, { timeoutMs: 45000 });

    await check('consumer.stop + disconnect', async () => {
      await consumer.disconnect();
      consumerRunning = false;
    });

    await check('admin.describeGroups (after leave -> Empty)', async () => {
      const { groups } = await admin.describeGroups([groupId]);
      assert(groups[0].state === 'Empty', `state ${groups[0].state}`);
      return 'state Empty';
    });

    // kafkajs quirk: resetOffsets commits the *sentinel* -2 (earliest) / -1 (latest), not a real
    // offset. A consumer joining later treats a negative committed offset as "none" and falls
    // back to its own subscribe({ fromBeginning }) setting. So this only means "earliest" for
    // consumers that subscribe with fromBeginning: true. Checked here so a behaviour change shows.
    await check('admin.resetOffsets (earliest) -> commits sentinel -2', async () => {
      await admin.resetOffsets({ groupId, topic, earliest: true });
      const res = await admin.fetchOffsets({ groupId, topics: [topic] });
      const offs = res[0].partitions.map((p) => p.offset);
      assert(offs.length === PARTITIONS && offs.every((o) => o === '-2'), `offsets ${offs.join(',')}`);
      return 'all partitions committed as -2 (kafkajs sentinel, see docs)';
    });

    await check('admin.setOffsets (concrete offsets from fetchTopicOffsets low)', async () => {
      const low = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: low.map((o) => ({ partition: o.partition, offset: o.partition === 0 ? String(Number(o.low) + 1) : o.low })),
      });
      const res = await admin.fetchOffsets({ groupId, topics: [topic] });
      const byPartition = new Map(res[0].partitions.map((p) => [p.partition, p.offset]));
      assert(byPartition.get(0) === '1', `partition 0 offset ${byPartition.get(0)}`);
      assert(low.every((o) => o.partition === 0 || byPartition.get(o.partition) === o.low), 'others at low watermark');
      return 'partition 0 -> 1, others -> low watermark (0)';
    });

    await check('producer.disconnect', () => producer.disconnect());
  } finally {
    // Cleanup (also reported as checks: deleteGroups / deleteTopics are calls we make).
    if (consumerRunning) await consumer.disconnect().catch(() => {});
    if (autoConsumer) await autoConsumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await check('admin.deleteGroups', async () => {
      const res = await admin.deleteGroups([groupId, autoGroupId]);
      assert(res.every((r) => r.errorCode === 0), `errors ${JSON.stringify(res)}`);
      return `${res.length} groups deleted`;
    });
    if (topicCreated) {
      await check('admin.deleteTopics', async () => {
        const topics = defaultRfTopicCreated ? [topic, topicDefaultRf] : [topic];
        await admin.deleteTopics({ topics, timeout: 10000 });
        await waitFor(async () => {
          const left = await admin.listTopics();
          return topics.every((t) => !left.includes(t));
        }, 10000, 'topics to disappear');
        return `${topics.length} topics gone from listTopics`;
      });
    }
    await admin.disconnect().catch(() => {});
  }

  const failed = results.filter((r) => !r.ok);
  console.log(
    `verify-kafkajs: ${results.length - failed.length}/${results.length} checks passed` +
      (kafkaLogs.length ? ` (${kafkaLogs.length} kafkajs WARN/ERROR log lines above)` : ''),
  );
  if (failed.length) {
    for (const f of failed) console.log(`  failed: ${f.name}: ${f.error}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`verify-kafkajs: crashed: ${describeError(err)}`);
    process.exit(1);
  },
);
