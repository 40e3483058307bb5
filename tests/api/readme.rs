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
    table_rows(readme_section("\n## ", heading))
}

/// The README's `## heading` section, then its `### subheading` subsection.
fn readme_subsection_table(heading: &str, subheading: &str) -> BTreeMap<String, String> {
    let section = readme_section("\n## ", heading);
    let subsection = section
        .split(&format!("\n### {subheading}"))
        .nth(1)
        .unwrap_or_else(|| panic!("the README's {heading} has a {subheading} subsection"));
    table_rows(subsection.split("\n### ").next().unwrap())
}

/// The text under `marker heading` up to the next heading of that level.
fn readme_section(marker: &str, heading: &str) -> &'static str {
    let readme = include_str!("../../README.md");
    let section = readme
        .split(&format!("{marker}{heading}"))
        .nth(1)
        .unwrap_or_else(|| panic!("the README has a {heading} section"));
    section.split(marker).next().unwrap()
}

fn table_rows(section: &str) -> BTreeMap<String, String> {
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
        readme_subsection_table("Check sdemu against your account", "Capture your account"),
        options_of(capture)
    );
}

#[test]
fn the_readme_compare_table_lists_exactly_the_options_of_compare_help() {
    let command = Config::command();
    let compare = command
        .find_subcommand("compare")
        .expect("sdemu has a compare subcommand");
    assert_eq!(
        readme_subsection_table("Check sdemu against your account", "Compare sdemu"),
        options_of(compare)
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
