"""sdemu with Testcontainers for Python and pytest.

Build the image from the sdemu repository first: docker build -t sdemu .
Test dependencies: testcontainers (4.x, for HttpWaitStrategy) and pytest; the HTTP client is
the standard library's own.
"""

import json
import urllib.parse
import urllib.request

import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import HttpWaitStrategy

# The port the image EXPOSEs; Testcontainers maps it to a free port on the host.
SDEMU_PORT = 8080
# The control plane's token: in a container sdemu would otherwise generate one.
ADMIN_TOKEN = "test-admin-token"


@pytest.fixture(scope="session")
def sdemu_url():
    """One sdemu for the whole test session; its base URL on this machine."""
    container = (
        DockerContainer("sdemu:latest")
        .with_exposed_ports(SDEMU_PORT)
        .with_env("SDEMU_ADMIN_TOKEN", ADMIN_TOKEN)
        .waiting_for(HttpWaitStrategy(SDEMU_PORT, "/_emulator/ready").for_status_code(200))
    )
    with container:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(SDEMU_PORT)
        yield f"http://{host}:{port}"


@pytest.fixture(autouse=True)
def reset_sdemu(sdemu_url):
    """Every test starts from the start-up data: reset is one call, a few milliseconds."""
    request = urllib.request.Request(
        f"{sdemu_url}/_emulator/reset",
        data=b"",
        method="POST",
        headers={
            "Authorization": f"Bearer {ADMIN_TOKEN}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200


def test_the_documented_example_lists_its_tasks(sdemu_url):
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "scope": "WebAPI",
            "client_id": "sdemu-demo",
            "client_secret": "sdemu-demo-secret",
        }
    ).encode()
    with urllib.request.urlopen(f"{sdemu_url}/connect/token", form) as response:
        token = json.load(response)["access_token"]

    query = "startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z"
    request = urllib.request.Request(
        f"{sdemu_url}/api/v1.0/external/sdtask/statuslist?{query}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request) as response:
        tasks = json.load(response)
    assert [task["taskId"] for task in tasks] == [47, 49, 50, 51]
