// Drives the simulated org with jsforce, unmodified: session, query with pagination, CRUD,
// upsert, describe, sObject collections, limits and Bulk API 2.0 (query and load). Prints one JSON line of findings; any
// failed expectation throws (non-zero exit).
"use strict";
const assert = require("node:assert/strict");
const jsforce = require("jsforce");

async function main() {
  const { SF_URL: instanceUrl, SF_TOKEN: accessToken, SF_CLIENT_ID: clientId, SF_CLIENT_SECRET: clientSecret } = process.env;
  const version = "62.0";

  // Login by the OAuth username-password flow, then use the session it returned.
  const login = new jsforce.Connection({ oauth2: { loginUrl: instanceUrl, clientId, clientSecret }, version });
  const user = await login.login("alice@example.com.sfsim", "sim-password");
  assert.ok(user.id.startsWith("005"));
  assert.equal(login.instanceUrl, instanceUrl);
  const identity = await login.identity();
  assert.equal(identity.username, "alice@example.com.sfsim");

  const conn = new jsforce.Connection({ instanceUrl, accessToken, version });

  // Query with pagination (autoFetch follows nextRecordsUrl).
  const first = await conn.query("SELECT Id, Email, Account.Name FROM Contact ORDER BY Id", { autoFetch: false });
  assert.equal(first.done, false);
  assert.ok(first.nextRecordsUrl);
  const all = await conn.query("SELECT Id FROM Contact").run({ autoFetch: true, maxFetch: 100000 });
  assert.equal(all.records.length, all.totalSize);

  // CRUD
  const created = await conn.sobject("Contact").create({ LastName: "Jsforce", Email: "jsforce@client.example.com" });
  assert.equal(created.success, true);
  const read = await conn.sobject("Contact").retrieve(created.id);
  assert.equal(read.Name, "Jsforce");
  const updated = await conn.sobject("Contact").update({ Id: created.id, Title: "Driver" });
  assert.equal(updated.success, true);
  const reread = await conn.sobject("Contact").retrieve(created.id);
  assert.equal(reread.Title, "Driver");
  const destroyed = await conn.sobject("Contact").destroy(created.id);
  assert.equal(destroyed.success, true);

  // Upsert by external id: created, then updated.
  const up1 = await conn.sobject("Account").upsert({ Name: "Upsert Co", External_Id__c: "js-1" }, "External_Id__c");
  assert.equal(up1.success, true);
  assert.equal(up1.created, true);
  const up2 = await conn.sobject("Account").upsert({ Name: "Upsert Co 2", External_Id__c: "js-1" }, "External_Id__c");
  assert.equal(up2.created, false);

  // Describe
  const global = await conn.describeGlobal();
  assert.ok(global.sobjects.some((o) => o.name === "Case"));
  const caseDescribe = await conn.sobject("Case").describe();
  assert.equal(caseDescribe.recordTypeInfos.length, 4);
  assert.ok(caseDescribe.fields.some((f) => f.name === "CaseNumber" && f.autoNumber));

  // sObject collections: several records in one call, with per-record results.
  const many = await conn.sobject("Account").create(
    [{ Name: "Coll A" }, { Name: "Coll B" }, {}],
    { allOrNone: false },
  );
  assert.equal(many.length, 3);
  assert.equal(many[0].success, true);
  assert.equal(many[2].success, false);
  assert.equal(many[2].errors[0].errorCode || many[2].errors[0].statusCode, "REQUIRED_FIELD_MISSING");
  const ids = many.filter((r) => r.success).map((r) => r.id);
  const fetched = await conn.sobject("Account").retrieve(ids, { fields: ["Name"] });
  assert.deepEqual(fetched.map((r) => r.Name), ["Coll A", "Coll B"]);
  const removed = await conn.sobject("Account").destroy(ids);
  assert.ok(removed.every((r) => r.success));

  // Limits
  const limits = await conn.limits();
  assert.ok(limits.DailyApiRequests.Max > 0);
  assert.ok(conn.limitInfo.apiUsage.used > 0 && conn.limitInfo.apiUsage.limit === limits.DailyApiRequests.Max);

  // Bulk API 2.0 query: a job, polled until complete, its CSV read by locator.
  conn.bulk2.pollInterval = 50;
  conn.bulk2.pollTimeout = 60000;
  const bulkRecords = [];
  const bulkStream = await conn.bulk2.query("SELECT Id, Email, Account.Name FROM Contact");
  for await (const record of bulkStream) bulkRecords.push(record);
  assert.equal(bulkRecords.length, all.totalSize);
  assert.ok(bulkRecords.every((r) => r.Id.startsWith("003") && r.Email.includes("@")));
  assert.equal(new Set(bulkRecords.map((r) => r.Id)).size, bulkRecords.length);
  const deletedToo = [];
  for await (const record of await conn.bulk2.query("SELECT Id FROM Contact", { scanAll: true })) deletedToo.push(record);
  assert.equal(deletedToo.length, all.totalSize + 1, "queryAll also returns the contact destroyed above");

  // Bulk API 2.0 load: insert with a failing row, then update and delete what was made.
  const inserted = await conn.bulk2.loadAndWaitForResults({
    object: "Contact",
    operation: "insert",
    input: [
      { LastName: "Bulk Loaded", Email: "bulk.loaded@client.example.com", Title: "Comma, \"quoted\"" },
      { LastName: null, Email: "no.name@client.example.com", Title: "Nameless" },
    ],
    pollInterval: 50,
    pollTimeout: 60000,
  });
  assert.equal(inserted.successfulResults.length, 1);
  assert.equal(inserted.failedResults.length, 1);
  assert.equal(inserted.unprocessedRecords.length, 0);
  const loadedId = inserted.successfulResults[0].sf__Id;
  assert.ok(loadedId.startsWith("003"));
  assert.equal(String(inserted.successfulResults[0].sf__Created), "true");
  assert.ok(inserted.failedResults[0].sf__Error.startsWith("REQUIRED_FIELD_MISSING"));
  const loaded = await conn.sobject("Contact").retrieve(loadedId);
  assert.equal(loaded.Title, 'Comma, "quoted"');
  const updated2 = await conn.bulk2.loadAndWaitForResults({
    object: "Contact",
    operation: "update",
    input: [{ Id: loadedId, Title: "Bulk Updated" }],
    pollInterval: 50,
    pollTimeout: 60000,
  });
  assert.equal(updated2.successfulResults.length, 1);
  assert.equal((await conn.sobject("Contact").retrieve(loadedId)).Title, "Bulk Updated");
  const removed2 = await conn.bulk2.loadAndWaitForResults({
    object: "Contact",
    operation: "delete",
    input: [{ Id: loadedId }],
    pollInterval: 50,
    pollTimeout: 60000,
  });
  assert.equal(removed2.successfulResults.length, 1);

  console.log(JSON.stringify({ ok: true, contacts: all.totalSize, bulkContacts: bulkRecords.length, apiUsed: conn.limitInfo.apiUsage.used }));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
