// Drives the Intercom simulator with the official `intercom-client` library, unmodified, using a
// token obtained through OAuth: `/me` names the teammate who authorized the app and their
// workspace, and the token reaches that workspace's records only.
// Usage: INTERCOM_URL=.. INTERCOM_TOKEN=.. EXPECT_ADMIN_ID=.. EXPECT_WORKSPACE_ID=..
//        FOREIGN_CONTACT_ID=<a contact of another workspace> node oauth.mjs
import assert from "node:assert/strict";
import { IntercomClient, IntercomError } from "intercom-client";

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set`);
  return value;
};
const client = new IntercomClient({ token: env("INTERCOM_TOKEN"), baseUrl: env("INTERCOM_URL") });
const workspace = env("EXPECT_WORKSPACE_ID");
const steps = [];
const step = async (name, fn) => {
  await fn();
  steps.push(name);
};

await step("admins.identify", async () => {
  const me = await client.admins.identify();
  assert.equal(me.type, "admin");
  assert.equal(me.id, env("EXPECT_ADMIN_ID"));
  assert.equal(me.email_verified, true);
  assert.equal(me.app.id_code, workspace);
  assert.equal(typeof me.app.name, "string");
});

await step("contacts.list in the token's workspace", async () => {
  const page = await client.contacts.list({ per_page: 5 });
  let seen = 0;
  for await (const c of page) {
    assert.equal(c.workspace_id, workspace);
    seen += 1;
  }
  assert.ok(seen > 5, "iterated past the first page");
});

await step("contacts.find of another workspace", async () => {
  await assert.rejects(
    client.contacts.find({ contact_id: env("FOREIGN_CONTACT_ID") }),
    (err) => err instanceof IntercomError && err.statusCode === 404,
  );
});

console.log(JSON.stringify({ ok: true, steps }));
