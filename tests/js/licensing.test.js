// License assignment the way admin scripts do it: to a group, to a user, and the errors.
import assert from "node:assert/strict";
import { test } from "node:test";

import { GraphError } from "@microsoft/microsoft-graph-client";

import {
  E3,
  addMember,
  createGroup,
  createUser,
  graphClient,
  graphError,
  tag,
  waitForProcessing,
} from "./support.js";

const client = graphClient();

async function licenseStates(userId) {
  const user = await client
    .api(`/users/${userId}`)
    .select(["id", "assignedLicenses", "licenseAssignmentStates"])
    .get();
  return user;
}

test("a group's license reaches its members, and a member without a location is in error", async () => {
  const t = tag();
  const ann = await createUser(client, `Ann${t}`, { usageLocation: "US" });
  const cid = await createUser(client, `Cid${t}`); // no usage location, nor has the organization
  const group = await createGroup(client, `Licensed${t}`);
  await addMember(client, group.id, ann.id);
  await addMember(client, group.id, cid.id);

  const assigned = await client
    .api(`/groups/${group.id}/assignLicense`)
    .post({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] });
  assert.equal(assigned.id, group.id);
  await waitForProcessing(client, group.id);

  const annNow = await licenseStates(ann.id);
  assert.deepEqual(
    annNow.assignedLicenses.map((l) => l.skuId),
    [E3],
  );
  const [state] = annNow.licenseAssignmentStates;
  assert.equal(state.assignedByGroup, group.id);
  assert.equal(state.state, "Active");
  assert.equal(state.error, "None");

  const details = await client.api(`/users/${ann.id}/licenseDetails`).get();
  assert.deepEqual(
    details.value.map((d) => d.skuPartNumber),
    ["ENTERPRISEPACK"],
  );
  assert.ok(details.value[0].servicePlans.length > 0);

  const cidNow = await licenseStates(cid.id);
  assert.deepEqual(cidNow.assignedLicenses, []);
  assert.deepEqual(
    cidNow.licenseAssignmentStates.map((s) => s.error),
    ["ProhibitedInUsageLocationViolation"],
  );
  const failing = await client.api(`/groups/${group.id}/membersWithLicenseErrors`).get();
  assert.deepEqual(
    failing.value.map((u) => u.id),
    [cid.id],
  );
  const inError = await client
    .api("/groups")
    .filter("hasMembersWithLicenseErrors eq true")
    .select(["id"])
    .get();
  assert.ok(inError.value.some((g) => g.id === group.id));

  // Fix the cause, reprocess: the error is gone.
  await client.api(`/users/${cid.id}`).patch({ usageLocation: "FR" });
  await client.api(`/users/${cid.id}/reprocessLicenseAssignment`).post({});
  await waitForProcessing(client, group.id);
  const fixed = await licenseStates(cid.id);
  assert.deepEqual(
    fixed.licenseAssignmentStates.map((s) => [s.state, s.error]),
    [["Active", "None"]],
  );
});

test("a direct assignment, its disabled plans and its removal", async () => {
  const t = tag();
  const dee = await createUser(client, `Dee${t}`, { usageLocation: "GB" });
  const sku = (await client.api("/subscribedSkus").get()).value.find((s) => s.skuId === E3);
  const plan = sku.servicePlans.find((p) => p.servicePlanName === "SWAY");
  assert.ok(plan, "E3 has the SWAY plan");

  const answer = await client.api(`/users/${dee.id}/assignLicense`).post({
    addLicenses: [{ skuId: E3, disabledPlans: [plan.servicePlanId] }],
    removeLicenses: [],
  });
  assert.equal(answer.id, dee.id);
  const user = await licenseStates(dee.id);
  assert.deepEqual(user.assignedLicenses, [{ skuId: E3, disabledPlans: [plan.servicePlanId] }]);
  assert.equal(user.licenseAssignmentStates[0].assignedByGroup, null);
  const [detail] = (await client.api(`/users/${dee.id}/licenseDetails`).get()).value;
  const sway = detail.servicePlans.find((p) => p.servicePlanId === plan.servicePlanId);
  assert.equal(sway.provisioningStatus, "Disabled");

  const after = (await client.api("/subscribedSkus").get()).value.find((s) => s.skuId === E3);
  assert.equal(after.consumedUnits, sku.consumedUnits + 1);

  await client
    .api(`/users/${dee.id}/assignLicense`)
    .post({ addLicenses: [], removeLicenses: [E3] });
  assert.deepEqual((await licenseStates(dee.id)).assignedLicenses, []);
});

test("a direct assignment Graph refuses rejects with Graph's error", async () => {
  const t = tag();
  const eve = await createUser(client, `Eve${t}`); // no usage location of her own
  const refused = await graphError(
    client
      .api(`/users/${eve.id}/assignLicense`)
      .post({ addLicenses: [{ skuId: E3 }], removeLicenses: [] }),
  );
  assert.ok(refused instanceof GraphError);
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.code, "Request_BadRequest");
  assert.equal(
    refused.message,
    "License assignment cannot be done for user with invalid usage location.",
  );
  assert.deepEqual((await licenseStates(eve.id)).licenseAssignmentStates, []);

  const missing = await graphError(client.api(`/users/nobody${t}@contoso.com`).get());
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.code, "Request_ResourceNotFound");
});

test("without customHosts the client sends no token, and Seatplan answers 401", async () => {
  const anonymous = graphClient({ customHosts: undefined });
  const refused = await graphError(anonymous.api("/users").top(1).get());
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.code, "InvalidAuthenticationToken");
});
