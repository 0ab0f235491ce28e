//! `@packages version …` end to end for Maven, NuGet, RubyGems and Composer:
//! each ecosystem's own rules as a user sees them, through the aliases `@maven @nuget @gem
//! @composer` and through `@packages version <action> <eco>`.

use tusk_tests::{run, test_context, tusk_snapshot};

/// Exit code and trimmed stdout of one run, for table-driven checks.
fn out(ctx: &tusk_tests::TestContext, args: &[&str]) -> (Option<i32>, String) {
    let r = run(&mut ctx.tusk(args.iter().copied()), None);
    (r.code, r.stdout.trim().to_string())
}

#[test]
fn maven_rules() {
    let ctx = test_context!();
    // ComparableVersion: qualifier order, trailing zeros, `-` vs `.` before a qualifier.
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "sort", "1.0", "1.0-rc1", "1.0-SNAPSHOT", "1.0-sp1", "1.0-alpha1", "1.0.RC2", "1.0.1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "parse", "1.0.0-alpha-1"]));
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "@maven", "version", "parse", "2.0.0.RC1"]));
    for (a, b, want) in [("1.0.0", "1", "="), ("1-ga", "1", "="), ("1a1", "1-alpha-1", "="), ("1.0-SNAPSHOT", "1.0", "<"), ("1-sp", "1", ">")] {
        assert_eq!(out(&ctx, &["@maven", "version", "compare", a, b]), (Some(0), want.to_string()), "{a} {b}");
    }
    // A bare version is a soft requirement (contains everything); the generic scheme reads it
    // as exactly that version.
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "satisfies", "2.0.4", "1.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "satisfies", "--mode", "generic", "2.0.4", "1.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "satisfies", "[1.0,)", "1.0-SNAPSHOT"]));
    tusk_snapshot!(ctx, ctx.tusk(["@packages", "version", "satisfies", "maven", "(,1.0],[1.2,)", "1.1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "max-satisfying", "[1.0,2.0)", "0.9", "1.0", "1.5", "2.0"]));
    // Bad ranges: exit 2 with upstream's reason.
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "satisfies", "[1.0,1.2),(1.1,1.3]", "1.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "satisfies", "--mode", "generic-range", "1.0", "1.0"]));
    // A version that begins with `-` goes after `--`.
    tusk_snapshot!(ctx, ctx.tusk(["@maven", "version", "parse", "--", "-1"]));
}

#[test]
fn nuget_rules() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "parse", "1.0.0009.01-1.1+A"]));
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "parse", "--mode", "strict", "1.0"]));
    for (a, b, want) in [("1.0.0-BETA", "1.0.0-beta", "="), ("1.0.0+a", "1.0.0+b", "="), ("1.0.0-2", "1.0.0-10", "<"), ("1.0.0", "1.0.0.1", "<")] {
        assert_eq!(out(&ctx, &["@nuget", "version", "compare", a, b]), (Some(0), want.to_string()), "{a} {b}");
    }
    // `1.0` means >= 1.0; satisfies is a pure bounds check.
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "satisfies", "1.0", "3.0.0-beta"]));
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "satisfies", "[1.0,2.0)", "2.0"]));
    // NuGet's pick: the lowest applicable version; a floating range picks the highest in its
    // window; prereleases only when the range asks for them.
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "max-satisfying", "1.0.0", "1.0.1-beta.1", "1.0.1", "2.0.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "max-satisfying", "1.*", "1.1.0", "1.2.0-rc.1", "1.2.0", "2.0.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "max-satisfying", "1.2.0-*", "1.1.0", "1.2.0-rc.1", "1.2.0-rc.2", "2.0.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "@nuget", "version", "max-satisfying", "[2.0.0, )", "1.0.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@nuget", "version", "satisfies", "[1.0.0, 1.1.*)", "1.0.0"]));
}

#[test]
fn rubygems_rules() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@gem", "version", "parse", "1.0.0-rc1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@gem", "version", "sort", "1.0", "1.0.a", "1.0.b1", "0.9", "1.0.0.1", "1.0.a10", "1.0.a9"]));
    for (range, v, want) in [
        ("~> 1.2", "1.9.9", "true"),
        ("~> 1.2", "2.0.a", "false"),
        ("~> 1.2.3", "1.3", "false"),
        ("< 3.0", "3.0.rc2", "true"),
        (">= 1.4, <= 1.6, != 1.5", "1.5", "false"),
        ("1.0", "1.0.0", "true"),
    ] {
        let code = if want == "true" { 0 } else { 1 };
        assert_eq!(out(&ctx, &["@gem", "version", "satisfies", range, v]), (Some(code), want.to_string()), "{range} {v}");
    }
    tusk_snapshot!(ctx, ctx.tusk(["@gem", "version", "satisfies", "~> 1.0", "2.0.a"]));
    tusk_snapshot!(ctx, ctx.tusk(["@gem", "version", "satisfies", ">>> 1.3.5", "1.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@gem", "version", "parse", "1..2"]));
}

#[test]
fn composer_rules() {
    let ctx = test_context!();
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "parse", "v1.13.11-beta.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["-o", "json", "@composer", "version", "parse", "1.x-dev"]));
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "sort", "dev-foo", "dev-master", "1.0", "50.2", "1.0.0-RC1", "1.0.0-beta2", "1.0.0-patch1"]));
    for (range, v, want) in [
        ("^1.2", "1.9.9", "true"),
        ("^0.2", "0.3.0", "false"),
        ("~1.2.3", "1.3.0", "false"),
        ("1.0 - 2.0", "2.0.5", "true"),
        (">2.0,<2.0.5 || >2.0.6", "2.0.6", "false"),
        ("dev-master", "dev-master", "true"),
        (">=1.0", "dev-master", "false"),
        ("!=1.0", "dev-master", "true"),
    ] {
        let code = if want == "true" { 0 } else { 1 };
        assert_eq!(out(&ctx, &["@composer", "version", "satisfies", range, v]), (Some(code), want.to_string()), "{range} {v}");
    }
    // minimum-stability: stable by default in composer.json; @beta lowers it for one require.
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "satisfies", "^1.0", "1.1.0-beta1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "satisfies", "--mode", "stable", "^1.0", "1.1.0-beta1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "satisfies", "--mode", "stable", "^1.0@beta", "1.1.0-beta1"]));
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "satisfies", "--mode", "preview", "^1.0", "1.0"]));
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "satisfies", "~>1.2", "1.2"]));
    tusk_snapshot!(ctx, ctx.tusk(["@composer", "version", "max-satisfying", "~1.0", "1.0", "1.2", "1.9999.9999", "2.0"]));
}
