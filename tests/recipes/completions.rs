//! `sdemu completions bash|zsh|fish`: a script for each shell, naming every subcommand and
//! option; bash's is valid bash and completes.

use std::process::Command;

use crate::{available, temporary_file, SDEMU};

/// `sdemu completions {shell}`: its stdout, after checking it succeeded silently.
fn completions(shell: &str) -> String {
    let output = Command::new(SDEMU)
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(output.status.success(), "{shell}: {}", output.status);
    assert!(
        output.stderr.is_empty(),
        "{shell}: stderr {:?}",
        output.stderr
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn each_shell_gets_a_script_naming_every_subcommand_and_option() {
    let cases = [
        ("bash", "complete -F _sdemu"),
        ("zsh", "#compdef sdemu"),
        ("fish", "complete -c sdemu"),
    ];
    for (shell, marker) in cases {
        let script = completions(shell);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for word in [
            "healthcheck",
            "openapi",
            "capture",
            "compare",
            "completions",
            "fixtures",
            "admin-token",
            "upstream",
        ] {
            assert!(script.contains(word), "{shell}: the script lacks {word:?}");
        }
    }
    // The value lists come along: --auth's and the shells themselves.
    assert!(completions("bash").contains("on off"));
    assert!(completions("zsh").contains("(bash zsh fish)"));
}

#[test]
fn the_bash_script_is_valid_bash_and_completes_subcommands_and_options() {
    if !available("bash") {
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    let script = temporary_file(&directory, "sdemu.bash", &completions("bash"));
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // What pressing Tab after `sdemu comp` and after `sdemu --fix` offers.
    let complete = |words: &str| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
             _sdemu sdemu \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; echo \"${{COMPREPLY[*]}}\"",
            script.display()
        );
        let output = Command::new("bash")
            .arg("-c")
            .arg(program)
            .output()
            .unwrap();
        assert!(output.status.success(), "{words}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(complete("sdemu comp"), "compare completions");
    assert_eq!(complete("sdemu --fix"), "--fixtures");
    assert_eq!(complete("sdemu completions f"), "fish");
}

#[test]
fn an_unknown_shell_is_refused_with_the_shells_there_are() {
    let output = Command::new(SDEMU)
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("invalid value 'tcsh'")
            && stderr.contains("[possible values: bash, zsh, fish]"),
        "{stderr}"
    );
}
