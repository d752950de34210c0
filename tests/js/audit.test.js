// The audit log as scripts read it: newest first, filtered by activity and time.
import assert from "node:assert/strict";
import { test } from "node:test";

import { E3, createUser, graphClient, tag } from "./support.js";

const client = graphClient();

test("directoryAudits filtered by activity and time show a license change and who made it", async () => {
  const t = tag();
  const since = new Date(Date.now() - 1000).toISOString();
  const fay = await createUser(client, `Fay${t}`, { usageLocation: "US" });
  await client
    .api(`/users/${fay.id}/assignLicense`)
    .post({ addLicenses: [{ skuId: E3 }], removeLicenses: [] });

  const changes = await client
    .api("/auditLogs/directoryAudits")
    .filter(
      `activityDisplayName eq 'Change user license' and activityDateTime ge ${since}`,
    )
    .top(50)
    .get();
  const mine = changes.value.filter((event) =>
    event.targetResources.some((target) => target.id === fay.id),
  );
  assert.equal(mine.length, 1);
  const [event] = mine;
  assert.equal(event.activityDisplayName, "Change user license");
  assert.equal(event.result, "success");
  assert.ok(event.initiatedBy.app || event.initiatedBy.user);
  assert.ok(new Date(event.activityDateTime) >= new Date(since));

  const added = await client
    .api("/auditLogs/directoryAudits")
    .filter(`startswith(activityDisplayName,'Add user') and activityDateTime ge ${since}`)
    .orderby("activityDateTime desc")
    .get();
  assert.ok(
    added.value.some((e) => e.targetResources.some((target) => target.id === fay.id)),
  );
  const times = added.value.map((e) => e.activityDateTime);
  assert.deepEqual(times, [...times].sort().reverse());
});
