"""`run.py --scale`: does a Task Status List query that answers ~100 tasks cost the same at
1,000,000 tasks as at 10,000? (issue 12: within 1.2 x)

For each size it seeds a `--database` file once from run.py's fixture (kept in
target/bench-load/db-<N>.db, seeded by the oldest build measured), then starts one sdemu per
build and size, each on its own copy of that file (migrations apply at start-up), all pinned
to core 0 (auth on, a real token). From core 1 it sends each query of `COMBINATIONS` on one
kept-alive connection per server, the servers taking turns request by request so that the
machine's noise falls on all alike: a warm-up, then `--requests` requests, each over a date
window at a random place in the fixture's span (the same places for every size and build),
sized so that the query answers about 100 tasks at that size. It prints and writes the
median latency per size and the ratio largest / smallest, per build (`--sdemu-bin`, and
`--before-bin` for another build in the same run), and the same for 100 Create Task
requests. Sequential requests measure latency, not throughput: the ratio is what the
target is about.
"""

import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta

import run

PORT = 18482
TARGET_TASKS = 100

# (name, query parameters besides the dates, the share of the tasks they match in run.py's
# fixture, whether only startDate is given). Five workspaces; statuses 3/4/20/19 are
# 20/30/40/10 % of the tasks; every task has integration status 1 and external integration
# status `never`.
COMBINATIONS = [
    ("dates", "", 1.0, False),
    ("startDate only", "", 1.0, True),
    ("dates, sort=taskId", "&sort=taskId", 1.0, False),
    ("one workspace (Q1-like)", "&workspaceId=1", 0.2, False),
    ("one workspace, sort=taskNumber", "&workspaceId=1&sort=taskNumber", 0.2, False),
    ("one workspace repeated", "&workspaceId=1&workspaceId=1", 0.2, False),
    ("two workspaces (Q2-like)", "&workspaceId=1&workspaceId=2", 0.4, False),
    ("two workspaces, sort=-displayName", "&workspaceId=1&workspaceId=2&sort=-displayName",
     0.4, False),
    ("one status", "&taskStatus=3", 0.2, False),
    ("two statuses", "&taskStatus=3&taskStatus=19", 0.3, False),
    ("integration status", "&integrationStatus=1", 1.0, False),
    ("external integration status", "&externalIntegrationStatus=never", 1.0, False),
    ("one workspace, one status", "&workspaceId=1&taskStatus=19", 0.02, False),
    ("two workspaces, two statuses", "&workspaceId=1&workspaceId=2&taskStatus=3&taskStatus=19",
     0.12, False),
    ("every filter", "&workspaceId=1&workspaceId=2&taskStatus=3&taskStatus=4"
     "&integrationStatus=1&externalIntegrationStatus=never", 0.2, False),
    # A page of 100 tasks out of about 1,000 matches (0.4 of the tasks, a window ten times
    # as long).
    ("paginated page 3 of 100, two workspaces", "&workspaceId=1&workspaceId=2"
     "&pageSize=100&pageNumber=3", 0.4 / 10, False),
]


def windows(n, share, start_only, count):
    """`count` (startDate, endDate or None) windows holding about TARGET_TASKS matches."""
    rng = random.Random(12)
    span = (run.SPAN_END - run.SPAN_START).total_seconds()
    length = span * TARGET_TASKS / (n * share)
    out = []
    for _ in range(count):
        if start_only:
            start = run.SPAN_END - timedelta(seconds=length) + timedelta(seconds=rng.randrange(60))
            out.append((run.wire(start), None))
        else:
            offset = rng.uniform(0, span - length)
            start = run.SPAN_START + timedelta(seconds=int(offset))
            out.append((run.wire(start), run.wire(start + timedelta(seconds=int(length)))))
    return out


def seeded_database(n, sdemu_bin):
    """A database file holding run.py's fixture of n tasks, seeded once."""
    path = os.path.join(run.WORK, f"db-{n}.db")
    if os.path.exists(path):
        return path
    fixture = os.path.join(run.WORK, f"fixture-{n}.json")
    if not os.path.exists(fixture):
        print(f"generating {n} tasks into {fixture}", flush=True)
        run.generate_fixture(n, fixture + ".tmp")
        os.replace(fixture + ".tmp", fixture)
    print(f"seeding {path}", flush=True)
    sdemu = subprocess.Popen([sdemu_bin, "--port", str(PORT), "--database", path + ".tmp",
                              "--fixtures", fixture], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        run.wait_until_answers(PORT, "/_emulator/ready", deadline_s=600)
    finally:
        sdemu.terminate()
        sdemu.wait()
    os.replace(path + ".tmp", path)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + ".tmp" + suffix):
            os.remove(path + ".tmp" + suffix)
    return path


class Client:
    """One kept-alive connection to sdemu with a bearer token."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        status, body = self.send(
            "POST", "/connect/token",
            "grant_type=client_credentials&client_id=sdemu-demo&client_secret=sdemu-demo-secret",
            {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            sys.exit(f"no token: {status} {body[:200]}")
        self.auth = {"Authorization": f"Bearer {json.loads(body)['access_token']}"}

    def send(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, response.read()

    def timed(self, method, path, body=None, headers=None):
        started = time.perf_counter()
        status, data = self.send(method, path, body, {**self.auth, **(headers or {})})
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            sys.exit(f"sdemu answered {status} to {method} {path}: {data[:200]}")
        return elapsed, data


def start_servers(builds, sizes):
    """One sdemu per build and size, each on its own copy of the size's database, all pinned
    to core 0: {(label, n): (port, process, database)}."""
    servers = {}
    for index, (label, sdemu_bin) in enumerate(builds):
        for offset, n in enumerate(sizes):
            port = PORT + index * len(sizes) + offset
            database = os.path.join(run.WORK, f"db-{n}-{label}.db")
            remove_database(database)
            shutil.copyfile(seeded_database(n, builds[0][1]), database)
            process = subprocess.Popen(
                ["taskset", "-c", "0", sdemu_bin, "--port", str(port), "--database", database,
                 "--auth", "on"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers[(label, n)] = (port, process, database)
    for port, _, _ in servers.values():
        run.wait_until_answers(port, "/_emulator/ready", deadline_s=600)
    return servers


def remove_database(database):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)


def measure(servers, sizes, args):
    """{(label, n): {combination: (p50 ms, median tasks answered)}}.

    The servers take turns request by request (in an order that rotates), so that the
    machine's noise falls on every build and size alike."""
    clients = {key: Client(port) for key, (port, _, _) in servers.items()}
    keys = list(servers)
    results = {key: {} for key in keys}
    for name, filters, share, start_only in COMBINATIONS:
        path = run.PAGED if "pageSize" in filters else run.LIST
        total = args.requests + args.warmup_requests
        places = {n: windows(n, share, start_only, total) for n in sizes}
        times = {key: [] for key in keys}
        counts = {key: [] for key in keys}
        for index in range(total):
            for turn in range(len(keys)):
                key = keys[(index + turn) % len(keys)]
                start, end = places[key[1]][index]
                dates = f"startDate={start}" + (f"&endDate={end}" if end else "")
                elapsed, body = clients[key].timed("GET", f"{path}?{dates}{filters}")
                if index >= args.warmup_requests:
                    times[key].append(elapsed)
                    parsed = json.loads(body)
                    counts[key].append(len(parsed) if isinstance(parsed, list)
                                       else len(parsed.get("items", [])))
        for key in keys:
            results[key][name] = (statistics.median(times[key]), statistics.median(counts[key]))
        print(f"{name:42} " + "  ".join(
            f"{label} {n}: {results[(label, n)][name][0]:6.3f} ms "
            f"({results[(label, n)][name][1]:.0f})" for label, n in keys), flush=True)
    body = json.dumps({"workspaceId": 1, "context": {"url": "https://example.com/"}})
    creates = {key: [] for key in keys}
    for index in range(100 + 10):
        for turn in range(len(keys)):
            key = keys[(index + turn) % len(keys)]
            elapsed, _ = clients[key].timed("POST", "/api/v1.0/external/sdtask/process", body,
                                            {"Content-Type": "application/json"})
            if index >= 10:
                creates[key].append(elapsed)
    for key in keys:
        results[key]["Create Task"] = (statistics.median(creates[key]), 1)
    print(f"{'Create Task':42} " + "  ".join(
        f"{label} {n}: {results[(label, n)]['Create Task'][0]:6.3f} ms" for label, n in keys))
    return results


def main(args):
    """Measures each build at each size and writes target/bench-results/scale.json, .md."""
    os.sched_setaffinity(0, {1})
    sizes = [int(size) for size in args.scale_tasks.split(",")]
    os.makedirs(run.WORK, exist_ok=True)
    os.makedirs(run.RESULTS, exist_ok=True)
    sdemu_bin = args.sdemu_bin or os.path.join(run.ROOT, "target", "release", "sdemu")
    if not args.no_build and not args.sdemu_bin:
        subprocess.run(["cargo", "build", "--release", "--bin", "sdemu"], cwd=run.ROOT,
                       check=True)
    builds = [("before", args.before_bin)] if args.before_bin else []
    builds.append(("this", sdemu_bin))
    # The database is seeded by the oldest build measured, so that every build migrates it.
    seeded_database_bin = builds[0][1]
    for n in sizes:
        seeded_database(n, seeded_database_bin)
    servers = start_servers(builds, sizes)
    try:
        results = measure(servers, sizes, args)
    finally:
        for _, process, database in servers.values():
            process.terminate()
            process.wait()
            remove_database(database)
    measured = {label: {n: results[(label, n)] for n in sizes} for label, _ in builds}

    small, large = sizes[0], sizes[-1]
    header = "| query | " + " | ".join(
        f"{label}: {small:,} / {large:,} ms p50 | {label}: ratio" for label, _ in builds) + " |"
    lines = [f"# Latency at {large:,} tasks against {small:,} ({args.requests} sequential "
             "requests per query, about 100 tasks each)", "", header,
             "|---" * (1 + 2 * len(builds)) + "|"]
    for name in [c[0] for c in COMBINATIONS] + ["Create Task"]:
        cells = []
        for label, _ in builds:
            a, b = measured[label][small][name][0], measured[label][large][name][0]
            cells += [f"{a:.2f} / {b:.2f}", f"{b / a:.2f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    with open(os.path.join(run.RESULTS, "scale.md"), "w") as out:
        out.write(report)
    with open(os.path.join(run.RESULTS, "scale.json"), "w") as out:
        json.dump({label: {str(n): rows for n, rows in sizes_rows.items()}
                   for label, sizes_rows in measured.items()}, out, indent=2)
    print(f"results: {os.path.join(run.RESULTS, 'scale.md')}, .json")
