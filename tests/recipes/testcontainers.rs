//! The Testcontainers snippets for Java, .NET, Python and Node.js: each starts the image this
//! repository builds, exposes the port the Dockerfile EXPOSEs, waits on `/_emulator/ready`,
//! and resets sdemu before each test with the admin token and the JSON content type. Python's
//! and Node's are also syntax-checked; Java and C# cannot be compiled here (their
//! Testcontainers packages come from Maven Central and NuGet).

use std::process::Command;

use crate::{assert_variables_exist, available, exposed_port, readme, recipe};

struct Snippet {
    file: &'static str,
    /// Each fragment with what it shows; all must appear in the file.
    fragments: &'static [(&'static str, &'static str)],
}

const SNIPPETS: &[Snippet] = &[
    Snippet {
        file: "testcontainers/java/SdemuTest.java",
        fragments: &[
            ("the image", r#"DockerImageName.parse("sdemu:latest")"#),
            ("the port", "static final int SDEMU_PORT = {port};"),
            ("exposed", ".withExposedPorts(SDEMU_PORT)"),
            ("the token", r#".withEnv("SDEMU_ADMIN_TOKEN", ADMIN_TOKEN)"#),
            ("the wait", r#"Wait.forHttp("/_emulator/ready")"#),
            ("on that port", ".forPort(SDEMU_PORT)"),
            ("before each test", "@BeforeEach"),
            ("the reset", r#""/_emulator/reset""#),
            (
                "its token",
                r#".header("Authorization", "Bearer " + ADMIN_TOKEN)"#,
            ),
            ("its type", r#".header("Content-Type", "application/json")"#),
        ],
    },
    Snippet {
        file: "testcontainers/dotnet/SdemuTests.cs",
        fragments: &[
            ("the image", r#"new ContainerBuilder("sdemu:latest")"#),
            ("the port", "public const ushort SdemuPort = {port};"),
            ("exposed", ".WithPortBinding(SdemuPort, true)"),
            (
                "the token",
                r#".WithEnvironment("SDEMU_ADMIN_TOKEN", AdminToken)"#,
            ),
            ("the wait", ".UntilHttpRequestIsSucceeded("),
            ("on that port", ".ForPort(SdemuPort)"),
            ("the path", r#".ForPath("/_emulator/ready")"#),
            (
                "before each test",
                "public Task InitializeAsync() => sdemu.ResetAsync();",
            ),
            ("the reset", r#""/_emulator/reset""#),
            (
                "its token",
                r#"new AuthenticationHeaderValue("Bearer", AdminToken)"#,
            ),
            (
                "its type",
                r#"new StringContent("", null, "application/json")"#,
            ),
        ],
    },
    Snippet {
        file: "testcontainers/python/test_sdemu.py",
        fragments: &[
            ("the image", r#"DockerContainer("sdemu:latest")"#),
            ("the port", "SDEMU_PORT = {port}\n"),
            ("exposed", ".with_exposed_ports(SDEMU_PORT)"),
            (
                "the token",
                r#".with_env("SDEMU_ADMIN_TOKEN", ADMIN_TOKEN)"#,
            ),
            (
                "the wait",
                r#"HttpWaitStrategy(SDEMU_PORT, "/_emulator/ready")"#,
            ),
            ("before each test", "@pytest.fixture(autouse=True)"),
            ("the reset", r#"f"{sdemu_url}/_emulator/reset""#),
            ("its token", r#""Authorization": f"Bearer {ADMIN_TOKEN}""#),
            ("its type", r#""Content-Type": "application/json""#),
        ],
    },
    Snippet {
        file: "testcontainers/node/sdemu.test.mjs",
        fragments: &[
            ("the image", r#"new GenericContainer("sdemu:latest")"#),
            ("the port", "const SDEMU_PORT = {port};"),
            ("exposed", ".withExposedPorts(SDEMU_PORT)"),
            (
                "the token",
                ".withEnvironment({ SDEMU_ADMIN_TOKEN: ADMIN_TOKEN })",
            ),
            (
                "the wait",
                r#"Wait.forHttp("/_emulator/ready", SDEMU_PORT)"#,
            ),
            ("before each test", "beforeEach(async () => {"),
            ("the reset", "`${baseUrl}/_emulator/reset`"),
            ("its token", "Authorization: `Bearer ${ADMIN_TOKEN}`"),
            ("its type", r#""Content-Type": "application/json""#),
        ],
    },
];

#[test]
fn each_snippet_starts_the_image_waits_on_ready_and_resets_with_token_and_json() {
    let port = exposed_port().to_string();
    for snippet in SNIPPETS {
        let text = recipe(snippet.file);
        for (what, fragment) in snippet.fragments {
            let fragment = fragment.replace("{port}", &port);
            assert!(
                text.contains(&fragment),
                "{}: {what} should read {fragment:?}",
                snippet.file
            );
        }
        assert!(
            text.contains("docker build -t sdemu ."),
            "{}: says how the image is built",
            snippet.file
        );
        assert_variables_exist(snippet.file);
        assert!(
            readme().contains(&format!("(recipes/{})", snippet.file)),
            "the README links {}",
            snippet.file
        );
    }
}

#[test]
fn the_python_snippet_compiles() {
    if !available("python3") {
        return;
    }
    // Compiled to a temporary file, so that no __pycache__ lands in recipes/.
    let directory = tempfile::tempdir().unwrap();
    let compiled = directory.path().join("test_sdemu.pyc");
    let source = crate::repository().join("recipes/testcontainers/python/test_sdemu.py");
    let output = Command::new("python3")
        .args([
            "-c",
            "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
        ])
        .arg(&source)
        .arg(&compiled)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_node_snippet_parses() {
    if !available("node") {
        return;
    }
    let source = crate::repository().join("recipes/testcontainers/node/sdemu.test.mjs");
    let output = Command::new("node")
        .arg("--check")
        .arg(&source)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_readme_excerpt_of_the_node_snippet_is_in_the_snippet() {
    let excerpt = readme()
        .split("The heart of each is the container's definition; in Node.js:\n\n```js\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README shows the Node.js container's definition");
    let snippet = recipe("testcontainers/node/sdemu.test.mjs");
    for line in excerpt.lines() {
        assert!(snippet.contains(line.trim()), "not in the snippet: {line}");
    }
}
