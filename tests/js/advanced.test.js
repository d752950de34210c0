// Counting and Graph's advanced queries: ConsistencyLevel: eventual with $count=true, as
// Graph requires them, and Graph's refusal without them.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  E3,
  addMember,
  createGroup,
  createUser,
  graphClient,
  graphError,
  tag,
} from "./support.js";

const client = graphClient();
const EVENTUAL = { ConsistencyLevel: "eventual" };

function advanced(path) {
  return client.api(path).headers(EVENTUAL).count(true);
}

test("$count segments answer a number, and only with ConsistencyLevel: eventual", async () => {
  const t = tag();
  const group = await createGroup(client, `Counted${t}`);
  for (const name of ["Quinn", "Rae", "Sol"]) {
    await addMember(client, group.id, (await createUser(client, `${name}${t}`)).id);
  }
  const members = await client.api(`/groups/${group.id}/members/$count`).headers(EVENTUAL).get();
  assert.equal(members, "3"); // text/plain, as Graph sends it
  const users = Number(await client.api("/users/$count").headers(EVENTUAL).get());
  const listed = await client.api("/users").select(["id"]).top(999).get();
  assert.equal(users, listed.value.length);
  const mine = await client
    .api("/users/$count")
    .headers(EVENTUAL)
    .filter(`startswith(displayName,'Rae${t}')`)
    .get();
  assert.equal(mine, "1");

  const refused = await graphError(client.api(`/groups/${group.id}/members/$count`).get());
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.code, "Request_BadRequest");
  assert.equal(refused.message, "$count is not currently supported.");

  const counted = await advanced(`/groups/${group.id}/members`).top(2).get();
  assert.equal(counted["@odata.count"], 3);
  assert.equal(counted.value.length, 2);
});

test("the unlicensed-users report and other advanced filters", async () => {
  const t = tag();
  const licensed = await createUser(client, `Tia${t} Licensed`, { usageLocation: "US" });
  const unlicensed = await createUser(client, `Tia${t} Unlicensed`, { usageLocation: "US" });
  await client
    .api(`/users/${licensed.id}/assignLicense`)
    .post({ addLicenses: [{ skuId: E3 }], removeLicenses: [] });
  const tia = `startswith(displayName,'Tia${t}')`;

  const noLicense = await advanced("/users")
    .filter(`assignedLicenses/$count eq 0 and ${tia}`)
    .select(["id", "displayName"])
    .get();
  assert.deepEqual(
    noLicense.value.map((u) => u.id),
    [unlicensed.id],
  );
  assert.equal(noLicense["@odata.count"], 1);
  const withLicense = await advanced("/users").filter(`assignedLicenses/$count ne 0 and ${tia}`).get();
  assert.deepEqual(
    withLicense.value.map((u) => u.id),
    [licensed.id],
  );
  const notE3 = await advanced("/users")
    .filter(`not(assignedLicenses/any(x:x/skuId eq ${E3})) and ${tia}`)
    .get();
  assert.deepEqual(
    notE3.value.map((u) => u.id),
    [unlicensed.id],
  );
  const ending = await advanced("/users")
    .filter(`endswith(userPrincipalName,'${t}unlicensed@contoso.com')`)
    .get();
  assert.deepEqual(
    ending.value.map((u) => u.id),
    [unlicensed.id],
  );
  const ordered = await advanced("/users")
    .filter(`${tia} and displayName ne 'nobody'`)
    .orderby("displayName desc")
    .select(["displayName"])
    .get();
  assert.deepEqual(
    ordered.value.map((u) => u.displayName),
    [`Tia${t} Unlicensed`, `Tia${t} Licensed`],
  );

  // The same report without the header: Graph's refusal, word for word.
  const refused = await graphError(
    client.api("/users").filter("assignedLicenses/$count eq 0").count(true).get(),
  );
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.code, "Request_UnsupportedQuery");
  assert.equal(
    refused.message,
    "Operator '$count' is not supported because the required parameters might be missing. " +
      "Try adding $count=true query parameter and ConsistencyLevel:eventual header. " +
      "Refer to https://aka.ms/graph-docs/advanced-queries for more information",
  );
});

test("$search on displayName, with the header", async () => {
  const t = tag();
  const user = await createUser(client, `Uma${t} Bowen-Smith`);
  const group = await createGroup(client, `Video${t} team`);
  const found = await client
    .api("/users")
    .headers(EVENTUAL)
    .search(`"displayName:uma${t}"`)
    .select(["id"])
    .get();
  assert.deepEqual(
    found.value.map((u) => u.id),
    [user.id],
  );
  const groups = await advanced("/groups").search(`"displayName:video${t}"`).get();
  assert.deepEqual(
    groups.value.map((g) => g.id),
    [group.id],
  );
  assert.equal(groups["@odata.count"], 1);
});
