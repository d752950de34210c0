// Delta round trips, the way a directory sync keeps its copy: initial sync, changes,
// deletions, membership changes, each round ending with the deltaLink of the next.
import assert from "node:assert/strict";
import { test } from "node:test";

import { BatchRequestContent } from "@microsoft/microsoft-graph-client";

import { E3, addMember, baseUrl, createGroup, createUser, graphClient, tag } from "./support.js";

const client = graphClient();

/** Every object of one round, following its nextLinks, and the deltaLink that ends it. */
async function round(first) {
  const seen = [...first.value];
  let page = first;
  let pages = 1;
  while (page["@odata.nextLink"]) {
    assert.equal(page["@odata.deltaLink"], undefined);
    page = await client.api(page["@odata.nextLink"]).get();
    seen.push(...page.value);
    pages += 1;
  }
  const deltaLink = page["@odata.deltaLink"];
  assert.ok(deltaLink, "a round ends with a deltaLink");
  return { seen, deltaLink, pages };
}

/** Enough users for the initial listing to take more than one page, 20 per batch. */
async function createUsersInBatches(prefix, count) {
  for (let start = 0; start < count; start += 20) {
    const steps = [];
    for (let i = start; i < Math.min(start + 20, count); i += 1) {
      const body = JSON.stringify({
        accountEnabled: true,
        displayName: `${prefix}${i}`,
        userPrincipalName: `${prefix.toLowerCase()}${i}@contoso.com`,
      });
      const init = { method: "POST", headers: { "Content-Type": "application/json" }, body };
      steps.push({ id: String(i), request: new Request(`${baseUrl}/users`, init) });
    }
    const content = await new BatchRequestContent(steps).getContent();
    const answer = await client.api("/$batch").post(content);
    assert.deepEqual(new Set(answer.responses.map((r) => r.status)), new Set([201]));
  }
}

function byId(items, id) {
  return items.filter((item) => item.id === id);
}

test("users: an initial sync in pages, then changes, licenses and deletions", async () => {
  const t = tag();
  const kim = await createUser(client, `Kim${t}`, { usageLocation: "US" });
  const lee = await createUser(client, `Lee${t}`, { usageLocation: "US" });

  await createUsersInBatches(`Filler${t}x`, 100);

  const first = await client.api("/users/delta").select(["displayName", "assignedLicenses"]).get();
  const initial = await round(first);
  assert.ok(initial.pages >= 2, `${initial.pages} page(s)`);
  assert.equal(byId(initial.seen, kim.id).length, 1);
  assert.equal(byId(initial.seen, lee.id)[0].displayName, `Lee${t}`);

  const quiet = await client.api(initial.deltaLink).get();
  assert.deepEqual(quiet.value, []);
  assert.ok(quiet["@odata.deltaLink"]);

  await client.api(`/users/${kim.id}`).patch({ displayName: `Kimberly${t}` });
  await client
    .api(`/users/${kim.id}/assignLicense`)
    .post({ addLicenses: [{ skuId: E3 }], removeLicenses: [] });
  await client.api(`/users/${lee.id}`).delete();
  const mia = await createUser(client, `Mia${t}`);

  const changes = await round(await client.api(quiet["@odata.deltaLink"]).get());
  const kimNow = byId(changes.seen, kim.id).at(-1);
  assert.equal(kimNow.displayName, `Kimberly${t}`);
  assert.deepEqual(
    kimNow.assignedLicenses.map((l) => l.skuId),
    [E3],
  );
  assert.deepEqual(byId(changes.seen, lee.id), [{ id: lee.id, "@removed": { reason: "deleted" } }]);
  assert.equal(byId(changes.seen, mia.id).at(-1).displayName, `Mia${t}`);

  const after = await client.api(changes.deltaLink).get();
  assert.deepEqual(after.value, []);
});

test("groups: members@delta lists members, then those added and removed", async () => {
  const t = tag();
  const group = await createGroup(client, `Synced${t}`);
  const users = [];
  for (const name of ["Ned", "Ora", "Pat"]) {
    users.push(await createUser(client, `${name}${t}`));
  }
  await addMember(client, group.id, users[0].id);
  await addMember(client, group.id, users[1].id);

  const initial = await round(
    await client.api("/groups/delta").select(["displayName", "members"]).get(),
  );
  const [listed] = byId(initial.seen, group.id);
  assert.equal(listed.displayName, `Synced${t}`);
  assert.deepEqual(
    listed["members@delta"].map((m) => m.id).sort(),
    [users[0].id, users[1].id].sort(),
  );

  await client.api(`/groups/${group.id}/members/${users[0].id}/$ref`).delete();
  await addMember(client, group.id, users[2].id);
  const changes = await round(await client.api(initial.deltaLink).get());
  const membership = byId(changes.seen, group.id).flatMap((g) => g["members@delta"] ?? []);
  assert.deepEqual(
    membership.filter((m) => m["@removed"]).map((m) => m.id),
    [users[0].id],
  );
  assert.deepEqual(
    membership.filter((m) => !m["@removed"]).map((m) => m.id),
    [users[2].id],
  );
});
