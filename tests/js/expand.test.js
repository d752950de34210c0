// $expand of members and memberOf, and OData casts on directory-object collections.
import assert from "node:assert/strict";
import { test } from "node:test";

import { addMember, createGroup, createUser, graphClient, graphError, tag } from "./support.js";

const client = graphClient();

test("$expand=members and memberOf, with a nested $select and Graph's limit of 20", async () => {
  const t = tag();
  const group = await createGroup(client, `Expanded${t}`);
  const other = await createGroup(client, `Other${t}`);
  const members = [];
  for (let i = 0; i < 22; i += 1) {
    const user = await createUser(client, `Exp${t}${String(i).padStart(2, "0")}`);
    await addMember(client, group.id, user.id);
    members.push(user);
  }
  await addMember(client, other.id, members[0].id);

  const expanded = await client
    .api(`/groups/${group.id}`)
    .select(["id", "displayName"])
    .expand("members($select=id,displayName)")
    .get();
  assert.equal(expanded.id, group.id);
  assert.equal(expanded.members.length, 20);
  assert.deepEqual(Object.keys(expanded.members[0]).sort(), ["@odata.type", "displayName", "id"]);
  assert.equal(expanded.members[0]["@odata.type"], "#microsoft.graph.user");
  assert.equal(expanded["@odata.nextLink"], undefined);
  assert.equal(expanded["members@odata.nextLink"], undefined);

  const user = await client.api(`/users/${members[0].id}`).expand("memberOf").get();
  assert.deepEqual(
    user.memberOf.map((g) => g.id).sort(),
    [group.id, other.id].sort(),
  );
  for (const g of user.memberOf) {
    assert.equal(g["@odata.type"], "#microsoft.graph.group");
  }

  const twice = await graphError(client.api(`/groups/${group.id}`).expand("members,owners").get());
  assert.equal(twice.statusCode, 400);
  assert.equal(twice.code, "BadRequest");
  assert.equal(
    twice.message,
    "The result of parsing $expand contained at least 2 items, but the maximum allowed is 1.",
  );
});

test("casts: the users among a group's members, the groups a user is in", async () => {
  const t = tag();
  const group = await createGroup(client, `Cast${t}`);
  const ids = [];
  for (const name of ["Ada", "Bo", "Cy"]) {
    const user = await createUser(client, `${name}${t}`);
    await addMember(client, group.id, user.id);
    ids.push(user.id);
  }
  const users = await client
    .api(`/groups/${group.id}/members/microsoft.graph.user`)
    .filter(`startswith(displayName,'B')`)
    .select(["id", "displayName"])
    .get();
  assert.match(users["@odata.context"], /#users\(id,displayName\)$/);
  assert.deepEqual(users.value, [{ id: ids[1], displayName: `Bo${t}` }]);

  // The alias the SDKs' request builders use.
  const all = await client.api(`/groups/${group.id}/members/graph.user`).select(["id"]).get();
  assert.deepEqual(all.value.map((u) => u.id).sort(), [...ids].sort());
  const groupsInGroup = await client.api(`/groups/${group.id}/members/microsoft.graph.group`).get();
  assert.deepEqual(groupsInGroup.value, []);

  const memberOf = await client
    .api(`/users/${ids[0]}/memberOf/microsoft.graph.group`)
    .select(["id", "displayName"])
    .get();
  assert.deepEqual(memberOf.value, [{ id: group.id, displayName: `Cast${t}` }]);

  const device = await graphError(
    client.api(`/groups/${group.id}/members/microsoft.graph.device`).get(),
  );
  assert.equal(device.statusCode, 404);
});
