// sdemu with Testcontainers for Node.js and the built-in test runner (node --test).
//
// Build the image from the sdemu repository first: docker build -t sdemu .
// Test dependency: testcontainers (npm; version 12 needs Node.js 22.22 or newer); fetch and
// node:test are built in.

import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { GenericContainer, Wait } from "testcontainers";

// The port the image EXPOSEs; Testcontainers maps it to a free port on the host.
const SDEMU_PORT = 8080;
// The control plane's token: in a container sdemu would otherwise generate one.
const ADMIN_TOKEN = "test-admin-token";

let sdemu;
let baseUrl;

// One sdemu for the whole file, started before the first test.
before(async () => {
  sdemu = await new GenericContainer("sdemu:latest")
    .withExposedPorts(SDEMU_PORT)
    .withEnvironment({ SDEMU_ADMIN_TOKEN: ADMIN_TOKEN })
    .withWaitStrategy(Wait.forHttp("/_emulator/ready", SDEMU_PORT).forStatusCode(200))
    .start();
  baseUrl = `http://${sdemu.getHost()}:${sdemu.getMappedPort(SDEMU_PORT)}`;
});

after(async () => {
  await sdemu?.stop();
});

// Every test starts from the start-up data: reset is one call, a few milliseconds.
beforeEach(async () => {
  const response = await fetch(`${baseUrl}/_emulator/reset`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${ADMIN_TOKEN}`,
      "Content-Type": "application/json",
    },
  });
  assert.equal(response.status, 200, await response.text());
});

test("the documented example lists its tasks", async () => {
  const tokenResponse = await fetch(`${baseUrl}/connect/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      scope: "WebAPI",
      client_id: "sdemu-demo",
      client_secret: "sdemu-demo-secret",
    }),
  });
  const { access_token: token } = await tokenResponse.json();

  const query = "startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z";
  const response = await fetch(`${baseUrl}/api/v1.0/external/sdtask/statuslist?${query}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  const tasks = await response.json();
  assert.deepEqual(
    tasks.map((task) => task.taskId),
    [47, 49, 50, 51],
  );
});
