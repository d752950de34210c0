// Paging with the client's PageIterator: it follows Seatplan's https nextLinks, token included.
import assert from "node:assert/strict";
import { test } from "node:test";

import { PageIterator } from "@microsoft/microsoft-graph-client";

import { addMember, baseUrl, createGroup, createUser, graphClient, tag } from "./support.js";

const client = graphClient();

test("PageIterator walks every page of a filtered user list", async () => {
  const t = tag();
  const created = [];
  for (let i = 0; i < 12; i += 1) {
    created.push((await createUser(client, `Pager${t}${String(i).padStart(2, "0")}`)).id);
  }
  const first = await client
    .api("/users")
    .filter(`startswith(displayName,'Pager${t}')`)
    .select(["id", "displayName"])
    .top(5)
    .get();
  assert.equal(first.value.length, 5);
  assert.ok(first["@odata.nextLink"].startsWith(`${baseUrl}/v1.0/users?`));

  const seen = [];
  const pages = new PageIterator(client, first, (user) => {
    seen.push(user.displayName);
    return true;
  });
  await pages.iterate();
  assert.ok(pages.isComplete());
  assert.equal(seen.length, 12);
  assert.deepEqual(seen, [...seen].sort()); // displayName order, as Graph's default
  assert.equal(new Set(seen).size, 12);
});

test("PageIterator stops when the callback says so, and resumes", async () => {
  const t = tag();
  const group = await createGroup(client, `Paged${t}`);
  for (let i = 0; i < 7; i += 1) {
    const user = await createUser(client, `Member${t}${i}`);
    await addMember(client, group.id, user.id);
  }
  const first = await client.api(`/groups/${group.id}/members`).top(3).get();
  const seen = [];
  const pages = new PageIterator(client, first, (member) => {
    seen.push(member.id);
    return seen.length !== 4; // stop after the first item of the second page
  });
  await pages.iterate();
  assert.equal(seen.length, 4);
  assert.equal(pages.isComplete(), false);
  await pages.resume();
  assert.ok(pages.isComplete());
  assert.equal(new Set(seen).size, 7);
  for (const member of first.value) {
    assert.equal(member["@odata.type"], "#microsoft.graph.user");
  }
});
