// JSON batching with the client's BatchRequestContent and BatchResponseContent.
import assert from "node:assert/strict";
import { test } from "node:test";

import { BatchRequestContent, BatchResponseContent } from "@microsoft/microsoft-graph-client";

import { E3, baseUrl, createUser, graphClient, tag } from "./support.js";

const client = graphClient();

function step(id, path, init = {}, dependsOn = undefined) {
  // Node's Request takes absolute URLs only, and the batch helper keeps what follows the
  // host: the URL names no version, as with Graph (https://graph.microsoft.com/users/…).
  return { id, request: new Request(`${baseUrl}${path}`, init), dependsOn };
}

async function send(steps) {
  const content = await new BatchRequestContent(steps).getContent();
  return new BatchResponseContent(await client.api("/$batch").post(content));
}

test("a parallel batch of reads answers each request on its own", async () => {
  const t = tag();
  const gil = await createUser(client, `Gil${t}`, { usageLocation: "US" });
  const batch = await send([
    step("user", `/users/${gil.id}?$select=id,displayName,usageLocation`),
    step("skus", "/subscribedSkus"),
    step("missing", `/users/nobody${t}@contoso.com`),
    step("bad", "/users?$filter=nosuchproperty eq 1"),
  ]);

  const user = batch.getResponseById("user");
  assert.equal(user.status, 200);
  assert.deepEqual(
    { ...(await user.json()), "@odata.context": undefined },
    { "@odata.context": undefined, id: gil.id, displayName: `Gil${t}`, usageLocation: "US" },
  );
  const skus = batch.getResponseById("skus");
  assert.equal(skus.status, 200);
  assert.ok((await skus.json()).value.some((sku) => sku.skuId === E3));
  const missing = batch.getResponseById("missing");
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, "Request_ResourceNotFound");
  assert.equal(batch.getResponseById("bad").status, 400);
  assert.equal(batch.getResponses().size, 4);
});

test("a sequential batch writes, and a failed step stops those depending on it", async () => {
  const t = tag();
  const json = { "Content-Type": "application/json" };
  const batch = await send([
    step("create", "/users", {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        accountEnabled: true,
        displayName: `Hal${t}`,
        userPrincipalName: `hal${t}@contoso.com`,
        usageLocation: "CA",
      }),
    }),
    step(
      "license",
      `/users/hal${t}@contoso.com/assignLicense`,
      {
        method: "POST",
        headers: json,
        body: JSON.stringify({ addLicenses: [{ skuId: E3 }], removeLicenses: [] }),
      },
      ["create"],
    ),
    step(
      "duplicate",
      "/users",
      {
        method: "POST",
        headers: json,
        body: JSON.stringify({
          accountEnabled: true,
          displayName: "Again",
          userPrincipalName: `hal${t}@contoso.com`,
        }),
      },
      ["license"],
    ),
    step("after", `/users/hal${t}@contoso.com`, {}, ["duplicate"]),
  ]);
  assert.equal(batch.getResponseById("create").status, 201);
  assert.equal(batch.getResponseById("license").status, 200);
  assert.equal(batch.getResponseById("duplicate").status, 400);
  const after = batch.getResponseById("after");
  assert.equal(after.status, 424);
  assert.equal((await after.json()).error.code, "FailedDependency");

  const hal = await client
    .api(`/users/hal${t}@contoso.com`)
    .select(["displayName", "assignedLicenses"])
    .get();
  assert.equal(hal.displayName, `Hal${t}`);
  assert.deepEqual(
    hal.assignedLicenses.map((l) => l.skuId),
    [E3],
  );
});
