//! `@packages` end to end. The `version` verbs (issue 4): parse, compare, satisfies, sort and
//! max-satisfying for every ecosystem, through `@packages <eco>` and through the aliases.

use tusk_test::{run, test_context, tusk_snapshot};

#[test]
fn version_help_lists_actions() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@packages", "version", "--help"]));
}

#[test]
fn alias_preset_drops_the_eco_argument() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "compare", "--help"]));
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "compare", "1.0", "1.0.0"]));
}

#[test]
fn compare_every_ecosystem() {
    let ctx = test_context!();
    let cases: [(&str, &str, &str, &str); 7] = [
        ("npm", "1.2.3", "1.10.0", "<"),
        ("pypi", "1.0.post1", "1.0", ">"),
        ("crates", "1.2.3+build.1", "1.2.3", ">"),
        ("maven", "1.0-alpha", "1.0", "<"),
        ("nuget", "1.0.0-BETA", "1.0.0-beta", "="),
        ("rubygems", "1.0.a", "1.0", "<"),
        ("composer", "1.0.0-beta2", "1.0.0-RC1", "<"),
    ];
    for (eco, a, b, want) in cases {
        let r = run(&mut ctx.tusk(["@packages", "version", "compare", eco, a, b]), None);
        assert_eq!((r.code, r.stdout.trim()), (Some(0), want), "{eco} {a} {b}: {}", r.stderr);
    }
    tusk_snapshot!(ctx, ctx.tusk(["@packages", "version", "compare", "npm", "1.2.3", "1.10.0"]));
}

#[test]
fn compare_json_and_modes() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "@gem", "version", "compare", "1.0.a", "1.0"]));
    // Cargo's Ord breaks ties on build metadata; `--mode precedence` ignores it.
    tusk_snapshot!(ctx, ctx.tusk(["@cargo", "version", "compare", "1.0.0+a", "1.0.0+b"]));
    tusk_snapshot!(ctx, ctx.tusk(["@cargo", "version", "compare", "--mode", "precedence", "1.0.0+a", "1.0.0+b"]));
    tusk_snapshot!(ctx, ctx.tusk(["@cargo", "version", "compare", "--mode", "nope", "1.0.0", "1.0.0"]));
}

#[test]
fn satisfies_exit_codes() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "satisfies", ">=1.2.0 <2", "1.5.0"]));
    // The prerelease rule, and includePrerelease.
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "satisfies", "^1.2.3", "1.3.0-beta"]));
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "satisfies", "--include-prerelease", "^1.2.3", "1.3.0-beta"]));
    // PEP 440 exclusive ordering and prerelease switches.
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "satisfies", ">1.7", "1.7.post1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "satisfies", "--exclude-prerelease", ">=1.0", "2.0rc1"]));
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "@cargo", "version", "satisfies", "0.4", "0.4.9"]));
}

#[test]
fn satisfies_invalid_input_is_exit_2() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "satisfies", "^1.2.3", "one.two"]));
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "satisfies", "=>2.0", "2.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@cargo", "version", "satisfies", "1.2.3 || 2", "2.0.0"]));
}

#[test]
fn parse_prints_normal_form_and_parts() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "parse", "v1!2.0-ALPHA.1.post3.dev4+Ubuntu-1"]));
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "@packages", "version", "parse", "crates", "0.3.1-rc.1+build.5"]));
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "parse", "--loose", "=v01.02.03-beta.01"]));
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "parse", "=v1.2.3"]));
}

#[test]
fn sort_from_arguments_and_stdin() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@cargo", "version", "sort", "1.0.0", "1.0.0-rc.1", "0.9.9", "1.0.0-alpha"]));
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "sort", "--reverse"]), stdin = b"1.10\n1.9\n\n1.9.1\n1.9rc1\n", @r"
    success: true
    exit_code: 0
    ----- stdout -----
    1.10
    1.9.1
    1.9
    1.9rc1

    ----- stderr -----
    ");
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "sort"]), stdin = b"1.0.0\nnot-a-version\n", @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid npm version `not-a-version`: expected a major version number
      --> stdin line 2
    hint: npm versions are MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; --loose accepts `=v1.2.3` and leading zeros
    ");
}

#[test]
fn max_satisfying() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "max-satisfying", "~1.2", "1.2.0", "1.2.9", "1.3.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@pip", "version", "max-satisfying", ">=2,<3", "2.0", "2.5rc1", "2.4"]));
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "@cargo", "version", "max-satisfying", "^2", "1.0.0", "1.9.9"]));
}

#[test]
fn inputs_beginning_with_dash_go_after_double_dash() {
    let ctx = test_context!();
    // Without `--` clap reads `-1` as a flag; after `--` it reaches the version parser.
    tusk_snapshot!(ctx, ctx.tusk(["@gem", "version", "compare", "--", "-1", "1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@npm", "version", "satisfies", "--", "-1.0.0", "1.0.0"]));
}

#[test]
fn unknown_ecosystem_is_a_usage_error() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@packages", "version", "compare", "cpan", "1", "2"]));
}
