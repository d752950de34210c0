// The $filter, $select, $orderby and $top that license reports send.
import assert from "node:assert/strict";
import { test } from "node:test";

import { E3, createGroup, createUser, graphClient, graphError, tag } from "./support.js";

const client = graphClient();

test("users holding a product, by assignedLicenses/any", async () => {
  const t = tag();
  const holder = await createUser(client, `Holder${t}`, { usageLocation: "US" });
  await createUser(client, `Without${t}`, { usageLocation: "US" });
  await client
    .api(`/users/${holder.id}/assignLicense`)
    .post({ addLicenses: [{ skuId: E3 }], removeLicenses: [] });

  const found = await client
    .api("/users")
    .filter(`assignedLicenses/any(x:x/skuId eq ${E3}) and startswith(displayName,'Holder${t}')`)
    .select(["id", "displayName", "assignedLicenses"])
    .get();
  assert.deepEqual(
    found.value.map((u) => u.id),
    [holder.id],
  );
  assert.deepEqual(found.value[0].assignedLicenses, [{ skuId: E3, disabledPlans: [] }]);
});

test("eq, in, $orderby desc and $select, which need no advanced query", async () => {
  const t = tag();
  const names = ["Alpha", "Bravo", "Charlie"].map((n) => `${n}${t}`);
  const ids = {};
  for (const name of names) {
    ids[name] = (await createUser(client, name, { usageLocation: "DE", department: "Sales" })).id;
  }
  const byUpn = await client
    .api("/users")
    .filter(`userPrincipalName eq '${names[1].toLowerCase()}@contoso.com'`)
    .select(["id", "userPrincipalName", "usageLocation", "department"])
    .get();
  assert.deepEqual(byUpn.value, [
    {
      id: ids[names[1]],
      userPrincipalName: `${names[1].toLowerCase()}@contoso.com`,
      usageLocation: "DE",
      department: "Sales",
    },
  ]);
  assert.match(byUpn["@odata.context"], /\$metadata#users\(/);

  const some = await client
    .api("/users")
    .filter(`id in ('${ids[names[0]]}','${ids[names[2]]}')`)
    .select(["id"])
    .get();
  assert.deepEqual(new Set(some.value.map((u) => u.id)), new Set([ids[names[0]], ids[names[2]]]));

  // $orderby alone: combined with $filter it is an advanced query, which needs the header.
  const desc = await client.api("/users").orderby("displayName desc").select(["displayName"]).top(999).get();
  const mine = desc.value.map((u) => u.displayName).filter((n) => n.endsWith(t));
  assert.deepEqual(mine, [names[2], names[1], names[0]]);
});

test("groups by displayName, and an unsupported query rejects with Graph's error", async () => {
  const t = tag();
  const group = await createGroup(client, `Finance${t}`);
  const found = await client
    .api("/groups")
    .filter(`displayName eq 'Finance${t}'`)
    .select(["id", "displayName", "securityEnabled"])
    .get();
  assert.deepEqual(found.value, [
    { id: group.id, displayName: `Finance${t}`, securityEnabled: true },
  ]);

  const refused = await graphError(client.api("/users").filter("nosuchproperty eq 1").get());
  assert.equal(refused.statusCode, 400);
  assert.match(refused.code, /^Request_/);
  assert.match(refused.message, /nosuchproperty/);
});
