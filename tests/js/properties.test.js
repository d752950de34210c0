// Graph's standard user and group properties, as provisioning and report scripts read them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { E3, createGroup, createUser, graphClient, graphError, tag } from "./support.js";

const client = graphClient();

const USER_DEFAULT = [
  "businessPhones",
  "displayName",
  "givenName",
  "id",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
];

function withoutContext(object) {
  const { "@odata.context": _context, ...rest } = object;
  return rest;
}

test("a user has Graph's default properties, and $select reaches the standard ones", async () => {
  const t = tag();
  const before = new Date(Date.now() - 1000);
  const wes = await createUser(client, `Wes${t}`);

  const plain = withoutContext(await client.api(`/users/${wes.id}`).get());
  assert.deepEqual(Object.keys(plain).sort(), USER_DEFAULT);
  assert.deepEqual(plain.businessPhones, []);
  assert.equal(plain.mail, null);

  const names = [
    "createdDateTime",
    "userType",
    "companyName",
    "city",
    "country",
    "employeeId",
    "otherMails",
    "proxyAddresses",
    "onPremisesExtensionAttributes",
    "onPremisesSyncEnabled",
  ];
  const selected = withoutContext(await client.api(`/users/${wes.id}`).select(names).get());
  assert.deepEqual(Object.keys(selected).sort(), [...names].sort());
  assert.equal(selected.userType, "Member");
  assert.ok(new Date(selected.createdDateTime) >= before);
  assert.equal(selected.companyName, null);
  assert.deepEqual(selected.otherMails, []);
  assert.equal(selected.onPremisesExtensionAttributes.extensionAttribute15, null);

  // The license report of issue 11, which used to answer 400.
  const report = await client
    .api("/users")
    .filter(`startswith(displayName,'Wes${t}') and userType eq 'Member'`)
    .select(["displayName", "mail", "userPrincipalName", "assignedLicenses"])
    .get();
  assert.deepEqual(report.value, [
    {
      displayName: `Wes${t}`,
      mail: null,
      userPrincipalName: `wes${t}@contoso.com`,
      assignedLicenses: [],
    },
  ]);

  const refused = await graphError(client.api("/users").select(["displayName", "nosuch"]).get());
  assert.equal(refused.statusCode, 400);
  assert.match(refused.message, /nosuch/);
});

test("a group's standard properties", async () => {
  const t = tag();
  const group = await createGroup(client, `Props${t}`);
  const names = [
    "description",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "groupTypes",
    "createdDateTime",
    "visibility",
  ];
  const selected = withoutContext(await client.api(`/groups/${group.id}`).select(names).get());
  assert.deepEqual(Object.keys(selected).sort(), [...names].sort());
  assert.deepEqual(selected.groupTypes, []);
  assert.equal(selected.securityEnabled, true);
  assert.equal(selected.mailEnabled, false);
  assert.ok(selected.createdDateTime.endsWith("Z"));
});

test("provisioning writes the standard properties, and reports filter on them", async () => {
  const t = tag();
  const vi = await createUser(client, `Vi${t} Lopez`, {
    givenName: "Vi",
    surname: `Lopez${t}`,
    mail: `vi.lopez${t}@contoso.com`,
    jobTitle: "Analyst",
    department: "Finance",
    companyName: "Contoso",
    officeLocation: "18/2111",
    city: "Seattle",
    country: "United States",
    employeeId: `E${t}`,
    businessPhones: ["+1 425 555 0109"],
    mobilePhone: "+1 425 555 0110",
    preferredLanguage: "en-US",
    otherMails: [`vi${t}@fabrikam.com`],
    onPremisesExtensionAttributes: { extensionAttribute1: "CC-17" },
    usageLocation: "US",
  });
  const plain = withoutContext(await client.api(`/users/${vi.id}`).get());
  assert.deepEqual(plain, {
    businessPhones: ["+1 425 555 0109"],
    displayName: `Vi${t} Lopez`,
    givenName: "Vi",
    id: vi.id,
    jobTitle: "Analyst",
    mail: `vi.lopez${t}@contoso.com`,
    mobilePhone: "+1 425 555 0110",
    officeLocation: "18/2111",
    preferredLanguage: "en-US",
    surname: `Lopez${t}`,
    userPrincipalName: `vi${t}lopez@contoso.com`,
  });

  await client.api(`/users/${vi.id}`).patch({
    companyName: "Fabrikam",
    onPremisesExtensionAttributes: { extensionAttribute2: "Remote" },
  });
  const patched = await client
    .api(`/users/${vi.id}`)
    .select(["companyName", "proxyAddresses", "onPremisesExtensionAttributes"])
    .get();
  assert.equal(patched.companyName, "Fabrikam");
  assert.deepEqual(patched.proxyAddresses, [`SMTP:vi.lopez${t}@contoso.com`]);
  assert.equal(patched.onPremisesExtensionAttributes.extensionAttribute1, "CC-17");
  assert.equal(patched.onPremisesExtensionAttributes.extensionAttribute2, "Remote");

  const byMail = await client
    .api("/users")
    .filter(`mail eq 'vi.lopez${t}@contoso.com' and givenName eq 'Vi'`)
    .select(["id"])
    .get();
  assert.deepEqual(
    byMail.value.map((u) => u.id),
    [vi.id],
  );
  const byOtherMail = await client
    .api("/users")
    .filter(`otherMails/any(m:startswith(m,'vi${t}@'))`)
    .select(["id"])
    .get();
  assert.deepEqual(
    byOtherMail.value.map((u) => u.id),
    [vi.id],
  );
  // companyName filters only in an advanced query, as in Graph.
  const company = await client
    .api("/users")
    .headers({ ConsistencyLevel: "eventual" })
    .count(true)
    .filter(`companyName eq 'Fabrikam' and startswith(displayName,'Vi${t}')`)
    .select(["id"])
    .get();
  assert.deepEqual(
    company.value.map((u) => u.id),
    [vi.id],
  );

  const readOnly = await graphError(
    client.api(`/users/${vi.id}`).patch({ createdDateTime: "2020-01-01T00:00:00Z" }),
  );
  assert.equal(readOnly.statusCode, 400);
  assert.match(readOnly.message, /createdDateTime/);
  const badType = await graphError(client.api(`/users/${vi.id}`).patch({ userType: "Robot" }));
  assert.equal(badType.statusCode, 400);
  assert.equal(badType.code, "Request_BadRequest");
});

test("licenseDetails by id and with $select; subscribedSkus' account and subscriptions", async () => {
  const t = tag();
  const yan = await createUser(client, `Yan${t}`, { usageLocation: "US" });
  await client
    .api(`/users/${yan.id}/assignLicense`)
    .post({ addLicenses: [{ skuId: E3 }], removeLicenses: [] });
  const details = await client
    .api(`/users/${yan.id}/licenseDetails`)
    .select(["id", "skuId", "skuPartNumber"])
    .get();
  assert.deepEqual(
    details.value.map((d) => withoutContext(d)),
    [{ id: `${yan.id}_${E3}`, skuId: E3, skuPartNumber: "ENTERPRISEPACK" }],
  );
  const one = await client.api(`/users/${yan.id}/licenseDetails/${yan.id}_${E3}`).get();
  assert.equal(one.skuPartNumber, "ENTERPRISEPACK");
  assert.ok(one.servicePlans.length > 0);

  const organization = (await client.api("/organization").get()).value[0];
  const sku = (await client.api("/subscribedSkus").get()).value.find((s) => s.skuId === E3);
  assert.equal(sku.accountId, organization.id);
  assert.equal(sku.accountName, organization.displayName);
  assert.equal(sku.subscriptionIds.length, 1);
});
