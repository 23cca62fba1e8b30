// Follows Change Data Capture on the simulated org with jsforce's streaming API (faye inside),
// unmodified: subscribe to /data/ContactChangeEvent, change a contact, receive its change
// event; then a second client with the replay extension resumes after a stored replay id and
// receives only what came later. Prints one JSON line of findings; any failed expectation
// throws (non-zero exit). Every wait is on an observable event, bounded by WAIT_MS.
"use strict";
const assert = require("node:assert/strict");
const jsforce = require("jsforce");
const { StreamingExtension } = require("jsforce/lib/api/streaming");

const CHANNEL = "/data/ContactChangeEvent";
const WAIT_MS = Number(process.env.WAIT_MS || 30000);

// Collects events (faye hands a listener each message's `data`); `wait()` resolves with the
// first one `test` takes, failing after WAIT_MS.
function eventWaiter(what, test) {
  const seen = [];
  let found;
  let wake = () => {};
  const listener = (data) => {
    seen.push(data?.payload?.ChangeEventHeader?.recordIds);
    if (!found && test(data)) {
      found = data;
      wake();
    }
  };
  const wait = () =>
    new Promise((resolve, reject) => {
      if (found) return resolve(found);
      const bound = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms; saw ${JSON.stringify(seen)}`)), WAIT_MS);
      wake = () => {
        clearTimeout(bound);
        resolve(found);
      };
    });
  return { listener, wait };
}

// Bounded wait for a faye subscription's confirmation (its /meta/subscribe answer).
function confirmed(subscription, what) {
  return new Promise((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`${what} not confirmed within ${WAIT_MS} ms`)), WAIT_MS);
    subscription.then(
      () => {
        clearTimeout(bound);
        resolve();
      },
      (err) => {
        clearTimeout(bound);
        reject(new Error(`${what} refused: ${JSON.stringify(err)}`));
      },
    );
  });
}

const about = (id) => (data) => (data?.payload?.ChangeEventHeader?.recordIds || []).includes(id);

async function main() {
  const { SF_URL: instanceUrl, SF_TOKEN: accessToken } = process.env;
  const conn = new jsforce.Connection({ instanceUrl, accessToken, version: "62.0" });
  const contact = await conn.sobject("Contact").create({ LastName: "Streamed", Email: "streamed@client.example.com" });
  assert.equal(contact.success, true);

  // 1. jsforce's topic API: subscribe, change the contact, receive its change event.
  const live = eventWaiter("change event for the updated contact", about(contact.id));
  const subscription = conn.streaming.topic(CHANNEL).subscribe(live.listener);
  await confirmed(subscription, "subscription to " + CHANNEL);
  await conn.sobject("Contact").update({ Id: contact.id, Title: "Streamer" });
  const first = await live.wait();
  const header = first.payload.ChangeEventHeader;
  assert.equal(header.entityName, "Contact");
  assert.equal(header.changeType, "UPDATE");
  assert.ok(header.changedFields.includes("Title"));
  assert.equal(first.payload.Title, "Streamer");
  const storedReplayId = first.event.replayId;
  assert.ok(Number.isInteger(storedReplayId));
  subscription.cancel();

  // 2. A change made while nobody listens, then a new client with the replay extension
  //    resuming after the stored replay id: it receives that change and not the one before.
  await conn.sobject("Contact").update({ Id: contact.id, Department: "Replay" });
  const replayed = eventWaiter("replayed change event", about(contact.id));
  const replayExt = new StreamingExtension.Replay(CHANNEL, storedReplayId);
  const client = conn.streaming.createClient([replayExt]);
  const replaySubscription = client.subscribe(CHANNEL, replayed.listener);
  await confirmed(replaySubscription, "replaying subscription to " + CHANNEL);
  const second = await replayed.wait();
  assert.ok(second.event.replayId > storedReplayId, "only events after the stored replay id");
  assert.equal(second.payload.Department, "Replay");
  assert.ok(second.payload.ChangeEventHeader.changedFields.includes("Department"));
  replaySubscription.cancel();

  console.log(JSON.stringify({ ok: true, live: storedReplayId, replayed: second.event.replayId }));
  // faye keeps polling (and its timers) alive; the findings are in, so leave now.
  process.exit(0);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
