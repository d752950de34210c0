// The audit log as scripts read it: newest first, filtered by activity and time.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ResponseType } from "@microsoft/microsoft-graph-client";

import { E3, createUser, graphClient, graphError, tag } from "./support.js";

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

test("an event by id, and Graph's filters on who, which request, which object and the plans changed", async () => {
  const t = tag();
  const sku = (await client.api("/subscribedSkus").get()).value.find((s) => s.skuId === E3);
  const [sway, yammer] = ["SWAY", "YAMMER_ENTERPRISE"].map(
    (name) => sku.servicePlans.find((p) => p.servicePlanName === name).servicePlanId,
  );
  const gus = await createUser(client, `Gus${t}`, { usageLocation: "US" });
  await client
    .api(`/users/${gus.id}/assignLicense`)
    .post({ addLicenses: [{ skuId: E3, disabledPlans: [sway] }], removeLicenses: [] });
  // The request-id of the answer is the correlationId of the events it wrote.
  const raw = await client
    .api(`/users/${gus.id}/assignLicense`)
    .responseType(ResponseType.RAW)
    .post({ addLicenses: [{ skuId: E3, disabledPlans: [sway, yammer] }], removeLicenses: [] });
  assert.equal(raw.status, 200);
  const requestId = raw.headers.get("request-id");
  assert.ok(requestId);

  const ofGus = await client
    .api("/auditLogs/directoryAudits")
    .filter(`targetResources/any(t:t/id eq '${gus.id}')`)
    .get();
  assert.deepEqual(
    ofGus.value.map((e) => e.activityDisplayName),
    ["Change user license", "Change user license", "Add user"],
  );

  const byRequest = await client
    .api("/auditLogs/directoryAudits")
    .filter(`correlationId eq '${requestId}'`)
    .get();
  assert.equal(byRequest.value.length, 1);
  const [change] = byRequest.value;
  assert.equal(change.id, ofGus.value[0].id);
  assert.equal(change.loggedByService, "Core Directory");
  assert.equal(change.operationType, "Update");
  assert.equal(change.result, "success");
  const [license] = change.targetResources[0].modifiedProperties.filter(
    (p) => p.displayName === "AssignedLicense",
  );
  assert.match(license.oldValue, new RegExp(sway));
  assert.doesNotMatch(license.oldValue, new RegExp(yammer));
  assert.match(license.newValue, new RegExp(yammer));

  const one = await client.api(`/auditLogs/directoryAudits/${change.id}`).get();
  assert.equal(one.id, change.id);
  assert.deepEqual(one.targetResources, change.targetResources);

  const tokenId = process.env.SEATPLAN_TOKEN.split("_")[1];
  const mine = await client
    .api("/auditLogs/directoryAudits")
    .filter(
      `initiatedBy/app/appId eq '${tokenId}' and loggedByService eq 'Core Directory' ` +
        `and activityDisplayName eq 'Change user license' and result eq 'success'`,
    )
    .top(999)
    .get();
  assert.ok(mine.value.some((e) => e.id === change.id));
  assert.ok(mine.value.every((e) => e.initiatedBy.app.appId === tokenId));

  const refused = await graphError(
    client.api("/auditLogs/directoryAudits").filter(`activityDateTime gt 2026-01-01T00:00:00Z`).get(),
  );
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.code, "BadRequest");
  assert.match(refused.message, /^Invalid filter clause: /);
});
