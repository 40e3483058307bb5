//! The README's configuration table is the `--help` reference: the two must list the same
//! options with the same environment variables.

use std::collections::BTreeMap;

use clap::CommandFactory;

use sdemu::config::Config;

/// `--flag` -> `SDEMU_*` for every row of the README's configuration table.
fn readme_options() -> BTreeMap<String, String> {
    readme_table("Configuration")
}

/// `--flag` -> `SDEMU_*` for every row of the options table in the README's `heading` section.
fn readme_table(heading: &str) -> BTreeMap<String, String> {
    let readme = include_str!("../../README.md");
    let section = readme
        .split(&format!("\n## {heading}"))
        .nth(1)
        .unwrap_or_else(|| panic!("the README has a {heading} section"));
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|line| line.starts_with("| `--"))
        .map(|line| {
            // `\|` is a pipe inside a cell (`--auth on\|off`), not a column break.
            let line = line.replace("\\|", "/");
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let flag = cells[1]
                .trim_matches('`')
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
            let env = cells[2].trim_matches('`').to_owned();
            (flag, env)
        })
        .collect()
}

/// `--flag` -> `SDEMU_*` for every option clap knows.
fn help_options() -> BTreeMap<String, String> {
    options_of(&Config::command())
}

fn options_of(command: &clap::Command) -> BTreeMap<String, String> {
    command
        .get_arguments()
        .filter_map(|argument| {
            let long = argument.get_long()?;
            let env = argument.get_env()?.to_str()?.to_owned();
            Some((format!("--{long}"), env))
        })
        .collect()
}

#[test]
fn the_readme_configuration_table_lists_exactly_the_options_of_help() {
    assert_eq!(readme_options(), help_options());
}

#[test]
fn the_readme_capture_table_lists_exactly_the_options_of_capture_help() {
    let command = Config::command();
    let capture = command
        .find_subcommand("capture")
        .expect("sdemu has a capture subcommand");
    assert_eq!(
        readme_table("Check sdemu against your account"),
        options_of(capture)
    );
}

#[test]
fn every_option_has_an_sdemu_environment_variable() {
    let without_env: Vec<String> = Config::command()
        .get_arguments()
        .filter(|argument| argument.get_long().is_some() && argument.get_env().is_none())
        .filter(|argument| !matches!(argument.get_long(), Some("help" | "version")))
        .map(|argument| argument.get_long().unwrap().to_owned())
        .collect();
    assert!(without_env.is_empty(), "{without_env:?}");
    for env in help_options().values() {
        assert!(env.starts_with("SDEMU_"), "{env}");
    }
}
