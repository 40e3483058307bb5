#!/usr/bin/env python3
"""The load benchmark of the Task Status List ("the heavy request"), one command:

    benches/load/run.py [--tasks 10000|100000|1000000] [--duration 5] [--warmup 1]
    benches/load/run.py --scale [--before-bin OLD_SDEMU]   # latency at 1M tasks / at 10k
    benches/load/run.py --startup-only --tasks 100000 [--compare-bin OTHER] [--launches 3]

`--scale` is described in benches/load/scale.py. Without it:

It generates a fixture of N tasks deterministically, builds sdemu and the static baseline
(`benches/load/baseline.rs`) in release mode, starts sdemu with the fixture (auth on, a real
token from POST /connect/token), records sdemu's answer to each query, starts the baseline
serving those same bytes from memory, and loads both with `oha` (`cargo install oha
--locked`), the server pinned to core 0 and oha to core 1 with `taskset`. For each query it
measures "repeated" (the same URL every request) and "varied" (every request a different
URL: the dates move by whole seconds, a random page or task id, so nothing computed for one
request can be reused by the next) and prints requests/s, p50 and p99 and the ratio
sdemu / baseline, plus sdemu's start-up time (spawn to the first 200 of /_emulator/ready,
then to the first answer of Q1) and its peak memory (VmHWM). Results go to
target/bench-results/load-<N>.json and .md.

With --startup-only it measures loading the fixture alone: each binary (this build, and
--compare-bin in the same run, alternated) launched --launches times per storage (in memory,
into a new --database file, or seeded with POST /_emulator/seed), printing the time to
ready (or to the seed's answer), the CPU time the process used and its peak memory (VmHWM),
to target/bench-results/startup-<N>.json and .md.

Queries (the definitions of issue 12):
  Q1   one workspace over five months (about 111 tasks at 10k)
  Q2   two workspaces over two years (repeated workspaceId keys; about 1,060 tasks at 10k)
  page Q2's filter, paginated, 100 tasks a page
  one  Task Status of one task by taskId

With --stream it measures one very large answer instead (no oha): "big", everything created
in the first 80% of the span (200,000 of 250,000 tasks, about 75 MB), asked --rounds times
one after the other: the time to the body's first byte and to its end (the client pinned to
core 1), whether it came chunked, and what each request added to sdemu's peak memory (VmHWM
reset to the resident memory just before it, then read after it). Results go to
target/bench-results/stream-<N>-<binary>.json. Compare two builds by running it twice, once
with --sdemu-bin.

Only the Python standard library, oha and taskset are used.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "target", "bench-load")
RESULTS = os.path.join(ROOT, "target", "bench-results")
SDEMU_PORT = 18480
BASELINE_PORT = 18481
LIST = "/api/v1.0/external/sdtask/statuslist"
PAGED = "/api/v1.0/external/sdtask/statuslistpaginated"
STATUS = "/api/v1.0/external/sdtask/status"

# The fixture spans seven and a half years over five workspaces of one organization, so
# that one workspace over five months is ~1.1% of the tasks and two over two years ~10.7%.
SPAN_START = datetime(2020, 1, 1, tzinfo=timezone.utc)
SPAN_END = datetime(2027, 7, 1, tzinfo=timezone.utc)
WORKSPACES = 5


def wire(instant):
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_fixture(n, path):
    """N tasks, deterministic: the same N always gives the same file."""
    rng = random.Random(20261202)
    span = (SPAN_END - SPAN_START).total_seconds()
    suppliers = ["Pavlova, Ltd.", "Exotic Liquids", "Tokyo Traders", "Grandma Kelly's Homestead",
                 "Cooperativa de Quesos", "Mayumi's", "New Orleans Cajun Delights",
                 "Specialty Biscuits, Ltd.", "PB Knäckebröd AB", "Heli Süßwaren GmbH & Co. KG"]
    kinds = ["Invoice", "Receipt", "Transcript", "Contract", "Passport"]
    statuses = [(3, 0.2), (4, 0.3), (20, 0.4), (19, 0.1)]
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"organizations":[{"tenantId":1,"name":"Northwind Traders",'
                  '"clientId":"sdemu-demo","clientSecret":"sdemu-demo-secret","isDefault":true}],'
                  '"workspaces":[')
        out.write(",".join(
            json.dumps({"workspaceId": w, "tenantId": 1, "workspaceName": f"Workspace {w}",
                        "workspaceDescription": None, "isDefault": w == 1, "taskType": 1,
                        "workspaceType": 1, "templateType": 1,
                        "workspaceTemplateName": "Invoices (Universal)"})
            for w in range(1, WORKSPACES + 1)))
        out.write('],"tasks":[\n')
        numbers = [0] * (WORKSPACES + 1)
        for task_id in range(1, n + 1):
            created = SPAN_START + timedelta(seconds=int(span * (task_id - 1) / n) + rng.randrange(60))
            workspace = rng.randrange(1, WORKSPACES + 1)
            numbers[workspace] += 1
            status = rng.choices([s for s, _ in statuses], [w for _, w in statuses])[0]
            task = {
                "taskId": task_id,
                "workspaceId": workspace,
                "batchId": None,
                "taskNumber": numbers[workspace] if rng.random() < 0.5 else None,
                "externalId": f"ext-{task_id:07d}" if rng.random() < 0.3 else None,
                "displayName": f"{rng.choice(suppliers)} - {rng.choice(kinds)} {rng.randrange(10000, 99999)}.pdf",
                "description": "Scanned at the Seattle warehouse." if rng.random() < 0.4 else None,
                "createdOn": wire(created),
                "taskStatus": status,
                "integrationStatus": 1,
                "totalPages": rng.randrange(1, 40),
                "preProcessingStartedOn": wire(created + timedelta(seconds=1)),
                "externalIntegrationStatus": "never",
            }
            if rng.random() < 0.05:
                task["restartCount"] = 1
            out.write(("," if task_id > 1 else "") + json.dumps(task, ensure_ascii=False) + "\n")
        out.write("]}\n")


def queries(n):
    """(name, sdemu path, repeated query, varied query as an oha regex over the query string)."""
    def dates(start, end, vary):
        # Varied: the seconds of both bounds move (3,600 x 3,600 combinations), which keeps
        # the same tasks but makes every request a different query.
        if vary:
            return (f"startDate={start[:14]}[0-5][0-9]:[0-5][0-9]Z"
                    f"&endDate={end[:14]}[0-5][0-9]:[0-5][0-9]Z")
        return f"startDate={start}&endDate={end}"

    q1 = ("2024-01-01T00:00:00Z", "2024-05-31T23:00:00Z")
    q2 = ("2023-01-01T00:00:00Z", "2024-12-31T23:00:00Z")
    return [
        ("Q1", LIST, dates(*q1, False) + "&workspaceId=1",
         dates(*q1, True) + "&workspaceId=1"),
        ("Q2", LIST, dates(*q2, False) + "&workspaceId=1&workspaceId=2",
         dates(*q2, True) + "&workspaceId=1&workspaceId=2"),
        ("page", PAGED, dates(*q2, False) + "&workspaceId=1&workspaceId=2&pageSize=100&pageNumber=3",
         dates(*q2, True) + "&workspaceId=1&workspaceId=2&pageSize=100&pageNumber=[1-9]"),
        ("one", STATUS, f"taskId={n // 2}",
         "taskId=[1-9][0-9]{%d}" % (len(str(n)) - 2)),
    ]


# The "big" query of --stream: this share of the span, from its start.
BIG_SHARE = 0.8


def big_query():
    """Everything created in the first BIG_SHARE of the span: about 0.8 N tasks."""
    end = SPAN_START + (SPAN_END - SPAN_START) * BIG_SHARE - timedelta(seconds=1)
    return f"startDate={wire(SPAN_START)}&endDate={wire(end)}"


def measure_big(pid, auth, rounds):
    """The big query, `rounds` times: time to the first byte of the body and to its end,
    how it was framed, and sdemu's VmHWM before and after each request."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    path = f"{LIST}?{big_query()}"
    results = []
    for _ in range(rounds):
        # The peak so far is start-up's (the fixture being loaded): start it again from the
        # resident memory now, so that "after" is this request's peak (Linux: clear_refs 5).
        with open(f"/proc/{pid}/clear_refs", "w") as clear:
            clear.write("5")
        before = peak_memory_kib(pid)
        conn = http.client.HTTPConnection("127.0.0.1", SDEMU_PORT, timeout=300)
        start = time.monotonic()
        conn.request("GET", path, headers={"Authorization": auth})
        response = conn.getresponse()
        first = response.read(1)
        first_byte_ms = (time.monotonic() - start) * 1000
        size, tasks, last = len(first), 0, first
        while True:
            chunk = response.read(1 << 16)
            if not chunk:
                break
            size += len(chunk)
            # Objects are joined by "},{" (no whitespace), so this counts them without parsing.
            tasks += chunk.count(b"},{")
            last = chunk
        total_ms = (time.monotonic() - start) * 1000
        conn.close()
        if response.status != 200 or not last.endswith(b"]"):
            sys.exit(f"sdemu answered {response.status} ({size} bytes) to the big query")
        after = peak_memory_kib(pid)
        row = {"bytes": size, "tasks": tasks + 1, "first_byte_ms": round(first_byte_ms, 1),
               "total_ms": round(total_ms, 1),
               "chunked": response.getheader("transfer-encoding") == "chunked",
               "peak_before_kib": before, "peak_after_kib": after}
        results.append(row)
        print(f"big: {row['tasks']} tasks {size} B  first byte {first_byte_ms:7.1f} ms  "
              f"total {total_ms:7.1f} ms  {'chunked' if row['chunked'] else 'whole  '}  "
              f"peak {before / 1024:.1f} -> {after / 1024:.1f} MiB "
              f"(+{(after - before) / 1024:.1f})", flush=True)
    return results


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def wait_until_answers(port, path, deadline_s=120):
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        try:
            status, _ = request(port, "GET", path)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.002)
    sys.exit(f"nothing answered on port {port} within {deadline_s} s")


def peak_memory_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def oha(url, duration, connections, headers, regex):
    command = ["taskset", "-c", "1", "oha", "--no-tui", "--output-format", "json",
               "-z", f"{duration}s", "-c", str(connections)]
    for header in headers:
        command += ["-H", header]
    if regex:
        command.append("--rand-regex-url")
    command.append(url)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    codes = report.get("statusCodeDistribution", {})
    percentiles = report.get("latencyPercentiles", {})
    return {
        "rps": report["summary"]["requestsPerSec"],
        "p50_ms": (percentiles.get("p50") or 0) * 1000,
        "p99_ms": (percentiles.get("p99") or 0) * 1000,
        "status": codes,
        "bytes_per_request": report["summary"].get("sizePerRequest"),
    }


def measure(url, args, headers, regex):
    oha(url, args.warmup, args.connections, headers, regex)
    return oha(url, args.duration, args.connections, headers, regex)


def cpu_ms(pid):
    """The CPU time (user and system) a process has used so far: on a shared machine it
    moves much less than the wall-clock time."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def free_port():
    """A port nothing listens on now (another benchmark may hold the fixed ones)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch_until_ready(command, port, deadline_s=600, cores="0"):
    """Spawns sdemu pinned to `cores` (core 0 unless told); the process and the ms from
    spawn to a 200 from /_emulator/ready."""
    spawned = time.monotonic()
    process = subprocess.Popen(["taskset", "-c", cores, *command, "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_answers(port, "/_emulator/ready", deadline_s)
    except SystemExit:
        process.kill()
        raise
    if process.poll() is not None:
        sys.exit(f"sdemu exited ({process.returncode}): {process.stderr.read().decode()[-2000:]}")
    return process, (time.monotonic() - spawned) * 1000


def stop(process):
    process.terminate()
    process.wait()


def startup_once(binary, fixture, storage, cores):
    """One launch: {ready_ms, seed_ms (seed only), peak_kib}. The memory storage and the
    database storage load the fixture at start-up (to ready); seed starts sdemu with a new
    database file and the demo data, then sends the fixture to POST /_emulator/seed."""
    database = os.path.join(WORK, f"startup-{os.getpid()}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    port = free_port()
    command = [binary]
    if storage != "memory":
        command += ["--database", database]
    if storage != "seed":
        command += ["--fixtures", fixture]
    process, ready_ms = launch_until_ready(command, port, cores=cores)
    result = {"ready_ms": round(ready_ms, 1)}
    try:
        if storage == "seed":
            with open(fixture, "rb") as body:
                data = body.read()
            started = time.monotonic()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            conn.request("POST", "/_emulator/seed", body=data,
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            answer = response.read()
            conn.close()
            del data
            result["seed_ms"] = round((time.monotonic() - started) * 1000, 1)
            if response.status != 200:
                sys.exit(f"seed answered {response.status}: {answer[:2000]!r}")
        result["peak_kib"] = peak_memory_kib(process.pid)
        result["cpu_ms"] = cpu_ms(process.pid)
    finally:
        stop(process)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
    return result


def startup_only(args, fixture, sdemu_bin):
    """Loading the fixture only: each binary and storage launched in turn, `--launches`
    times, printing time to ready (or to the seed's answer) and peak memory (VmHWM)."""
    binaries = [("this", sdemu_bin)]
    if args.compare_bin:
        binaries.append(("compare", args.compare_bin))
    storages = args.storage.split(",")
    runs = {}
    for launch in range(args.launches):
        for storage in storages:
            # Alternated, so that both binaries meet the same noise.
            for name, binary in binaries:
                result = startup_once(binary, fixture, storage, args.startup_cores)
                runs.setdefault(f"{name} {storage}", []).append(result)
                time_ms = result.get("seed_ms", result["ready_ms"])
                print(f"{name:7} {storage:8} launch {launch + 1}: "
                      f"{'seed' if storage == 'seed' else 'ready'} {time_ms:8.0f} ms "
                      f"(CPU {result['cpu_ms']:6.0f} ms), "
                      f"peak {result['peak_kib'] / 1024:7.1f} MiB "
                      f"({result['peak_kib'] * 1024 / args.tasks:6.0f} B/task)", flush=True)
    summary = {}
    lines = [f"# Loading {args.tasks} tasks on cores {args.startup_cores} "
             f"({datetime.now(timezone.utc).isoformat()})", "",
             "| binary | storage | time ms (min-max) | CPU ms (min-max) | peak MiB (min-max) "
             "| bytes/task (max) |",
             "|---|---|---|---|---|---|"]
    for key, results in runs.items():
        times = [r.get("seed_ms", r["ready_ms"]) for r in results]
        peaks = [r["peak_kib"] for r in results]
        cpus = [r["cpu_ms"] for r in results]
        summary[key] = {"runs": results, "time_ms": [min(times), max(times)],
                        "cpu_ms": [min(cpus), max(cpus)], "peak_kib": [min(peaks), max(peaks)]}
        name, storage = key.split(" ")
        lines.append(f"| {name} | {storage} | {min(times):.0f}-{max(times):.0f} | "
                     f"{min(cpus):.0f}-{max(cpus):.0f} | "
                     f"{min(peaks) / 1024:.1f}-{max(peaks) / 1024:.1f} | "
                     f"{max(peaks) * 1024 / args.tasks:.0f} |")
    if args.compare_bin:
        lines += ["", "| storage | time this / compare (medians) | CPU this / compare "
                  "| peak this / compare |", "|---|---|---|---|"]
        for storage in storages:
            this, other = summary.get(f"this {storage}"), summary.get(f"compare {storage}")
            median = lambda xs: sorted(xs)[len(xs) // 2]
            t = lambda s: median([r.get("seed_ms", r["ready_ms"]) for r in s["runs"]])
            c = lambda s: median([r["cpu_ms"] for r in s["runs"]])
            m = lambda s: median([r["peak_kib"] for r in s["runs"]])
            lines.append(f"| {storage} | {t(this) / t(other):.2f}x | {c(this) / c(other):.2f}x "
                         f"| {m(this) / m(other):.2f}x |")
    print("\n".join(lines))
    base = os.path.join(RESULTS, f"startup-{args.tasks}")
    with open(base + ".json", "w") as out:
        json.dump({"tasks": args.tasks, "binary": sdemu_bin, "compare": args.compare_bin,
                   "results": summary}, out, indent=2)
    with open(base + ".md", "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"results: {base}.json, {base}.md")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per window")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per window")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", help="comma-separated query names (Q1,Q2,page,one)")
    parser.add_argument("--sdemu-arg", action="append", default=[],
                        help="an extra sdemu option (repeatable)")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--sdemu-bin", help="another sdemu binary to measure (e.g. an older build)")
    parser.add_argument("--accept-encoding",
                        help="send this Accept-Encoding to sdemu (with --sdemu-arg=--compression "
                             "--sdemu-arg=on to measure compressed answers)")
    parser.add_argument("--scale", action="store_true",
                        help="compare the latency of ~100-task queries at two sizes (scale.py)")
    parser.add_argument("--scale-tasks", default="10000,1000000",
                        help="--scale: the sizes, smallest first")
    parser.add_argument("--requests", type=int, default=200,
                        help="--scale: sequential requests per query and size")
    parser.add_argument("--warmup-requests", type=int, default=20)
    parser.add_argument("--before-bin", help="--scale: a second build measured in the same run")
    parser.add_argument("--stream", action="store_true",
                        help="measure the one very large answer (big) instead of the load")
    parser.add_argument("--rounds", type=int, default=3, help="with --stream: requests of big")
    parser.add_argument("--startup-only", action="store_true",
                        help="measure only loading the fixture: time to ready and peak memory, "
                             "in memory and into a new --database file, and seeding it")
    parser.add_argument("--compare-bin", help="with --startup-only: a second binary measured "
                                              "in the same run (e.g. a build of main)")
    parser.add_argument("--startup-cores", default="0",
                        help="with --startup-only: the cores sdemu may run on (taskset -c), "
                             "e.g. 0,1 for both")
    parser.add_argument("--launches", type=int, default=3,
                        help="with --startup-only: launches per binary and storage")
    parser.add_argument("--storage", default="memory,database",
                        help="with --startup-only: comma-separated, of memory (the fixture in "
                             "memory), database (the fixture into a new --database file) and "
                             "seed (POST /_emulator/seed of the fixture into a --database file; at most "
                             "16 MiB, the control plane's body limit)")
    args = parser.parse_args()
    if args.scale:
        import scale
        scale.main(args)
        return
    for tool in ("oha", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (oha: cargo install oha --locked)")

    os.makedirs(WORK, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    fixture = os.path.join(WORK, f"fixture-{args.tasks}.json")
    if not os.path.exists(fixture):
        print(f"generating {args.tasks} tasks into {fixture}", flush=True)
        generate_fixture(args.tasks, fixture + ".tmp")
        os.replace(fixture + ".tmp", fixture)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--bin", "sdemu", "--example",
                        "load-baseline"], cwd=ROOT, check=True)
    sdemu_bin = args.sdemu_bin or os.path.join(ROOT, "target", "release", "sdemu")
    if args.startup_only:
        startup_only(args, fixture, sdemu_bin)
        return
    baseline_bin = os.path.join(ROOT, "target", "release", "examples", "load-baseline")

    spawned = time.monotonic()
    sdemu = subprocess.Popen(
        ["taskset", "-c", "0", sdemu_bin, "--port", str(SDEMU_PORT), "--fixtures", fixture,
         "--auth", "on", *args.sdemu_arg],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    baseline = None
    try:
        wait_until_answers(SDEMU_PORT, "/_emulator/ready")
        ready_ms = (time.monotonic() - spawned) * 1000
        if sdemu.poll() is not None:
            # Another server answered on the port: measuring it would be meaningless.
            sys.exit(f"sdemu exited ({sdemu.returncode}); is port {SDEMU_PORT} taken?")
        _, token_body = request(
            SDEMU_PORT, "POST", "/connect/token",
            body="grant_type=client_credentials&client_id=sdemu-demo&client_secret=sdemu-demo-secret",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        auth = f"Bearer {json.loads(token_body)['access_token']}"
        if args.stream:
            big = measure_big(sdemu.pid, auth, args.rounds)
            return write_stream_result(args, ready_ms, big)
        selected = queries(args.tasks)
        if args.only:
            wanted = args.only.split(",")
            selected = [q for q in selected if q[0] in wanted]
        first_path = f"{selected[0][1]}?{selected[0][2]}"
        status, _ = request(SDEMU_PORT, "GET", first_path, headers={"Authorization": auth})
        first_answer_ms = (time.monotonic() - spawned) * 1000
        if status != 200:
            sys.exit(f"sdemu answered {status} to {first_path}")
        startup_hwm = peak_memory_kib(sdemu.pid)

        bodies = os.path.join(WORK, "bodies")
        shutil.rmtree(bodies, ignore_errors=True)
        os.makedirs(bodies)
        sizes = {}
        for name, path, query, _ in selected:
            status, body = request(SDEMU_PORT, "GET", f"{path}?{query}",
                                   headers={"Authorization": auth})
            if status != 200:
                sys.exit(f"sdemu answered {status} to {name}")
            with open(os.path.join(bodies, name), "wb") as out:
                out.write(body)
            parsed = json.loads(body)
            items = len(parsed) if isinstance(parsed, list) else len(parsed.get("items", [1]))
            sizes[name] = {"bytes": len(body), "tasks": items if name != "one" else 1}
        baseline = subprocess.Popen(["taskset", "-c", "0", baseline_bin, str(BASELINE_PORT), bodies],
                                    stdout=subprocess.DEVNULL)
        wait_until_answers(BASELINE_PORT, f"/{selected[0][0]}")
        if baseline.poll() is not None:
            sys.exit(f"the baseline exited ({baseline.returncode}); is port {BASELINE_PORT} taken?")

        rows = []
        for name, path, query, varied in selected:
            for mode, q, regex in (("repeated", query, False), ("varied", varied, True)):
                # oha's regex URLs: `.` and `?` are written as classes to be literal.
                separator = "[?]" if regex else "?"
                s_path = path.replace(".", "[.]") if regex else path
                s_url = f"http://127.0.0.1:{SDEMU_PORT}{s_path}{separator}{q}"
                b_url = f"http://127.0.0.1:{BASELINE_PORT}/{name}{separator}{q}"
                sdemu_headers = [f"Authorization: {auth}"]
                if args.accept_encoding:
                    sdemu_headers.append(f"Accept-Encoding: {args.accept_encoding}")
                s = measure(s_url, args, sdemu_headers, regex)
                b = measure(b_url, args, [], regex)
                bad = {code: count for code, count in s["status"].items() if code != "200"}
                if bad:
                    print(f"warning: {name} {mode}: sdemu answered {bad}", file=sys.stderr)
                row = {"query": name, "mode": mode, **sizes[name], "sdemu": s, "baseline": b,
                       "accept_encoding": args.accept_encoding,
                       "ratio": s["rps"] / b["rps"] if b["rps"] else None}
                rows.append(row)
                print(f"{name:5} {mode:9} {sizes[name]['tasks']:6} tasks {sizes[name]['bytes']:8} B  "
                      f"sdemu {s['rps']:9.0f}/s {s['bytes_per_request'] or 0:8.0f} B/req p50 {s['p50_ms']:7.2f} p99 {s['p99_ms']:7.2f} ms | "
                      f"baseline {b['rps']:9.0f}/s p50 {b['p50_ms']:7.2f} p99 {b['p99_ms']:7.2f} ms | "
                      f"ratio {row['ratio']:.3f}", flush=True)
        peak = peak_memory_kib(sdemu.pid)
        baseline_peak = peak_memory_kib(baseline.pid)
    finally:
        sdemu.terminate()
        if baseline:
            baseline.terminate()

    result = {
        "tasks": args.tasks, "duration_s": args.duration, "warmup_s": args.warmup,
        "connections": args.connections, "at": datetime.now(timezone.utc).isoformat(),
        "ready_ms": round(ready_ms, 1), "first_answer_ms": round(first_answer_ms, 1),
        "startup_peak_kib": startup_hwm, "peak_kib": peak, "baseline_peak_kib": baseline_peak,
        "rows": rows,
    }
    print(f"start-up: ready {ready_ms:.0f} ms, first Q1 answer {first_answer_ms:.0f} ms "
          f"(peak {startup_hwm / 1024:.1f} MiB); peak under load {peak / 1024:.1f} MiB "
          f"(baseline {baseline_peak / 1024:.1f} MiB)")
    base = os.path.join(RESULTS, f"load-{args.tasks}")
    with open(base + ".json", "w") as out:
        json.dump(result, out, indent=2)
    with open(base + ".md", "w") as out:
        out.write(f"# Load benchmark, {args.tasks} tasks ({result['at']})\n\n")
        out.write("| query | mode | tasks | bytes | sdemu req/s | p50 / p99 ms | baseline req/s "
                  "| p50 / p99 ms | sdemu / baseline |\n|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            s, b = r["sdemu"], r["baseline"]
            out.write(f"| {r['query']} | {r['mode']} | {r['tasks']} | {r['bytes']} | {s['rps']:.0f} | "
                      f"{s['p50_ms']:.2f} / {s['p99_ms']:.2f} | {b['rps']:.0f} | "
                      f"{b['p50_ms']:.2f} / {b['p99_ms']:.2f} | {r['ratio']:.3f} |\n")
        out.write(f"\nStart-up: ready {ready_ms:.0f} ms, first answer {first_answer_ms:.0f} ms; "
                  f"peak memory {peak / 1024:.1f} MiB (at start-up {startup_hwm / 1024:.1f} MiB).\n")
    print(f"results: {base}.json, {base}.md")


def write_stream_result(args, ready_ms, rows):
    result = {"tasks": args.tasks, "query": big_query(), "at": datetime.now(timezone.utc).isoformat(),
              "sdemu": args.sdemu_bin or "target/release/sdemu", "ready_ms": round(ready_ms, 1),
              "rows": rows}
    binary = os.path.basename(args.sdemu_bin or "sdemu")
    path = os.path.join(RESULTS, f"stream-{args.tasks}-{binary}.json")
    with open(path, "w") as out:
        json.dump(result, out, indent=2)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
