// Graph's standard user and group properties, as provisioning and report scripts read them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createGroup, createUser, graphClient, graphError, tag } from "./support.js";

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
