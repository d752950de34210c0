// What every scenario shares: Microsoft's client pointed at the Seatplan under test, as
// docs/api.md (Clients) tells users to set it up. tests/e2e/test_graph_js_client.py starts
// `seatplan serve` over HTTPS and passes its address and a token in the environment.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { Client } from "@microsoft/microsoft-graph-client";

export const E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"; // ENTERPRISEPACK, bought by the harness

function required(name) {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run this suite through tests/e2e/test_graph_js_client.py`);
  return value;
}

export const baseUrl = required("SEATPLAN_URL"); // https://127.0.0.1:PORT
const token = required("SEATPLAN_TOKEN");

/** The client with the token in `customHosts`' host, exactly as a user would set it up. */
export function graphClient(options = {}) {
  return Client.init({
    baseUrl,
    defaultVersion: "v1.0",
    customHosts: new Set([new URL(baseUrl).hostname]),
    authProvider: (done) => done(null, token),
    ...options,
  });
}

/** A short random tag, so that each scenario finds its own objects in the shared tenant. */
export function tag() {
  return randomUUID().slice(0, 8);
}

export async function createUser(client, name, extra = {}) {
  return client.api("/users").post({
    accountEnabled: true,
    displayName: name,
    mailNickname: name.replace(/[^A-Za-z0-9]/g, ""),
    userPrincipalName: `${name.replace(/[^A-Za-z0-9.]/g, "").toLowerCase()}@contoso.com`,
    passwordProfile: { password: "unused-Passw0rd!" },
    ...extra,
  });
}

export async function createGroup(client, name) {
  return client.api("/groups").post({
    displayName: name,
    mailEnabled: false,
    mailNickname: name.replace(/[^A-Za-z0-9]/g, ""),
    securityEnabled: true,
  });
}

export async function addMember(client, groupId, userId) {
  await client.api(`/groups/${groupId}/members/$ref`).post({
    "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${userId}`,
  });
}

/** Wait until the background worker has processed the group's licenses. */
export async function waitForProcessing(client, groupId) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const group = await client
      .api(`/groups/${groupId}`)
      .select(["id", "licenseProcessingState"])
      .get();
    if (group.licenseProcessingState?.state === "ProcessingComplete") {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`group ${groupId} was not processed within 30 s`);
}

/** The GraphError a call rejects with (it must reject). */
export async function graphError(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the call succeeded; a Graph error was expected");
}
