// Drives the Intercom simulator with the official `intercom-client` library, unmodified.
// Usage: INTERCOM_URL=http://127.0.0.1:PORT INTERCOM_TOKEN=... node check.mjs
import assert from "node:assert/strict";
import { IntercomClient, IntercomError } from "intercom-client";

const client = new IntercomClient({ token: process.env.INTERCOM_TOKEN, baseUrl: process.env.INTERCOM_URL });
const steps = [];
const step = async (name, fn) => {
  await fn();
  steps.push(name);
};

await step("admins.identify", async () => {
  const me = await client.admins.identify();
  assert.equal(me.type, "admin");
  assert.equal(me.email, "alice@example.com");
  const admins = await client.admins.list();
  assert.equal(admins.admins.length, 4);
});

let contact;
await step("contacts.create/find/update", async () => {
  contact = await client.contacts.create({ role: "user", external_id: "node-1", email: "node@example.org", name: "Node User" });
  assert.match(contact.id, /^[0-9a-f]{24}$/);
  const found = await client.contacts.find({ contact_id: contact.id });
  assert.equal(found.email, "node@example.org");
  const updated = await client.contacts.update({ contact_id: contact.id, name: "Node Renamed" });
  assert.equal(updated.name, "Node Renamed");
});

await step("contacts.create conflict", async () => {
  await assert.rejects(
    client.contacts.create({ role: "user", email: "node@example.org" }),
    (err) => err instanceof IntercomError && err.statusCode === 409 && err.body.errors[0].code === "conflict",
  );
});

await step("contacts.list pages", async () => {
  const seen = [];
  const page = await client.contacts.list({ per_page: 5 });
  for await (const c of page) seen.push(c.id);
  assert.ok(seen.includes(contact.id));
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(seen.length > 5, "iterated past the first page");
});

await step("contacts.search", async () => {
  const page = await client.contacts.search({
    query: { operator: "AND", value: [
      { field: "role", operator: "=", value: "user" },
      { operator: "OR", value: [
        { field: "email", operator: "$", value: "@umbrella.example.com" },
        { field: "external_id", operator: "=", value: "node-1" },
      ] },
    ] },
    pagination: { per_page: 2 },
  });
  const emails = [];
  for await (const c of page) emails.push(c.email);
  assert.ok(emails.includes("node@example.org"));
  assert.ok(emails.includes("noah.haddad@umbrella.example.com"));
  assert.equal(emails.length, 2);
});

let company;
await step("companies.createOrUpdate/retrieve/attach", async () => {
  company = await client.companies.createOrUpdate({ company_id: "NODE-1", name: "Node Co", plan: "Pro" });
  assert.match(company.id, /^[0-9a-f]{24}$/);
  const again = await client.companies.createOrUpdate({ company_id: "NODE-1", name: "Node Company" });
  assert.equal(again.id, company.id);
  const byCompanyId = await client.companies.retrieve({ company_id: "NODE-1" });
  assert.equal(byCompanyId.type, "list");
  assert.equal(byCompanyId.data[0].name, "Node Company");
  const found = await client.companies.find({ company_id: company.id });
  assert.equal(found.company_id, "NODE-1");
  const attached = await client.companies.attachContact({ contact_id: contact.id, id: company.id });
  assert.equal(attached.user_count, 1);
  const listed = [];
  for await (const c of await client.companies.list({ per_page: 50 })) listed.push(c.company_id);
  assert.ok(listed.includes("NODE-1"));
  assert.ok(!listed.includes("ZZ000002"), "companies without users are left out");
});

let conversationId;
await step("conversations.create/reply/manage/find", async () => {
  const message = await client.conversations.create({ from: { type: "user", id: contact.id }, body: "Hello from node" });
  conversationId = message.conversation_id;
  assert.match(conversationId, /^[0-9]+$/);
  const replied = await client.conversations.reply({
    conversation_id: conversationId,
    body: { message_type: "comment", type: "admin", admin_id: "991267402", body: "Hi there" },
  });
  assert.equal(replied.conversation_parts.conversation_parts.at(-1).body, "<p>Hi there</p>");
  const closed = await client.conversations.manage({
    conversation_id: conversationId,
    body: { message_type: "close", type: "admin", admin_id: "991267402" },
  });
  assert.equal(closed.state, "closed");
  const found = await client.conversations.find({ conversation_id: conversationId });
  assert.equal(found.source.body, "<p>Hello from node</p>");
  assert.equal(found.contacts.contacts[0].id, contact.id);
});

await step("conversations.list/search", async () => {
  const all = [];
  for await (const c of await client.conversations.list({ per_page: 3 })) all.push(c.id);
  assert.ok(all.includes(conversationId));
  assert.equal(new Set(all).size, all.length);
  const hits = [];
  const page = await client.conversations.search({ query: { field: "state", operator: "=", value: "closed" } });
  for await (const c of page) hits.push(c.id);
  assert.ok(hits.includes(conversationId));
});

await step("contacts.delete", async () => {
  const deleted = await client.contacts.delete({ contact_id: contact.id });
  assert.equal(deleted.deleted, true);
  await assert.rejects(client.contacts.find({ contact_id: contact.id }), (err) => err.statusCode === 404);
});

console.log(JSON.stringify({ ok: true, steps }));
