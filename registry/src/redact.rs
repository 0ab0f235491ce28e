//! The one redactor: every message tusk prints (errors, `-v` logs) and every argument list it
//! stores (the audit log) passes through here, so a secret the user typed into a URL or a
//! flag is never echoed back or written down.
//!
//! What counts as secret:
//! - URL credentials: the whole userinfo of `scheme://user:password@host` (the user part is
//!   often the token itself, as in `https://TOKEN:x-oauth-basic@github.com`), and a userinfo
//!   without password when it looks like a token (`https://ghp_…@github.com`), as git does; a
//!   short plain user name (`ssh://git@host`) is kept;
//! - URL query parameters whose name looks secret (`token`, `sig`, `X-Amz-Signature`,
//!   `X-Amz-Credential`, `access_token`, `password`, `key`…);
//! - in argument lists, values of flags and `K=V` pairs whose name looks secret.
//!
//! Everything redacted becomes [`REDACTED`], the marker `tusk config show` uses too.

use std::borrow::Cow;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Words that mark a flag, `K=V` key or query parameter as secret (matched case-insensitively
/// as substrings, so `API_KEY`, `--registry-token` and `X-Amz-Signature` all count).
const SECRET_WORDS: &[&str] = &["token", "secret", "password", "passwd", "key", "credential", "auth", "sas", "signature"];

/// Query parameter names that are secret although they contain no secret word (Azure SAS).
const SECRET_PARAMS: &[&str] = &["sig"];

/// Whether a flag, variable or parameter named `name` holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w)) || SECRET_PARAMS.contains(&lower.as_str())
}

/// Redacts secrets from command-line arguments: values of flags whose name looks secret
/// (`--token X`, `--password=X`), `K=V` pairs whose key looks secret (`--env API_TOKEN=X`), and
/// credentials in URLs anywhere in an argument.
pub fn redact_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut redact_next = false;
    for a in args {
        if redact_next {
            out.push(REDACTED.to_string());
            redact_next = false;
            continue;
        }
        if let Some(flag) = a.strip_prefix("--") {
            if let Some((name, _)) = flag.split_once('=') {
                if is_secret_name(name) {
                    out.push(format!("--{name}={REDACTED}"));
                    continue;
                }
            } else if is_secret_name(flag) {
                redact_next = true;
                out.push(a.clone());
                continue;
            }
        }
        if let Some((k, _)) = a.split_once('=')
            && !k.starts_with('-')
            && !k.contains("://")
            && is_secret_name(k)
        {
            out.push(format!("{k}={REDACTED}"));
            continue;
        }
        out.push(redact_urls(a).into_owned());
    }
    out
}

/// Redacts the credentials of every URL in `text` (a message, a log line, an argument):
/// userinfo and secret-looking query parameters. Text without `://` is returned as is.
pub fn redact_urls(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(sep) = rest.find("://") {
        let after = sep + 3;
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let end = url_end(tail);
        redact_one(&tail[..end], &mut out);
        rest = &tail[end..];
    }
    out.push_str(rest);
    if out == text { Cow::Borrowed(text) } else { Cow::Owned(out) }
}

/// Where the URL that starts at `s` (just after `://`) ends: at whitespace, a quote or an
/// angle bracket, not counting trailing prose punctuation.
fn url_end(s: &str) -> usize {
    let mut end = s.find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | '<' | '>')).unwrap_or(s.len());
    while end > 0 && s[..end].ends_with(['.', ',', ';', ')', ']']) {
        end -= 1;
    }
    end
}

/// Appends `url` (authority, path, query, fragment; no scheme) to `out`, redacted.
fn redact_one(url: &str, out: &mut String) {
    let auth_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let (authority, rest) = url.split_at(auth_end);
    match authority.rfind('@') {
        Some(at) if userinfo_is_secret(&authority[..at]) => {
            out.push_str(REDACTED);
            out.push_str(&authority[at..]);
        }
        _ => out.push_str(authority),
    }
    let (before_fragment, fragment) = rest.split_at(rest.find('#').unwrap_or(rest.len()));
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            for (i, pair) in query.split('&').enumerate() {
                if i > 0 {
                    out.push('&');
                }
                match pair.split_once('=') {
                    Some((name, value)) if !value.is_empty() && is_secret_name(name) => {
                        out.push_str(name);
                        out.push('=');
                        out.push_str(REDACTED);
                    }
                    _ => out.push_str(pair),
                }
            }
        }
        None => out.push_str(before_fragment),
    }
    out.push_str(fragment);
}

/// A userinfo with a password is secret; one without is secret when it looks like a token
/// (long, or a known token prefix) rather than a user name like `git`.
fn userinfo_is_secret(userinfo: &str) -> bool {
    if userinfo.is_empty() || userinfo == REDACTED {
        return false;
    }
    if userinfo.contains(':') {
        return true;
    }
    const TOKEN_PREFIXES: &[&str] = &["ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "glpat-", "npm_", "pypi-"];
    userinfo.len() >= 16 || TOKEN_PREFIXES.iter().any(|p| userinfo.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        redact_urls(s).into_owned()
    }

    #[test]
    fn userinfo_with_password_is_redacted_whole() {
        assert_eq!(r("https://user:SECRET@example.com/x"), "https://<redacted>@example.com/x");
        assert_eq!(r("git+https://user:SECRET@example.com/x"), "git+https://<redacted>@example.com/x");
        assert_eq!(r("https://TOKEN123:x-oauth-basic@github.com"), "https://<redacted>@github.com");
        assert_eq!(r("http://u:p@127.0.0.1:9"), "http://<redacted>@127.0.0.1:9");
        // An `@` in the password is still inside the userinfo.
        assert_eq!(r("https://u:p@ss@host/x"), "https://<redacted>@host/x");
    }

    #[test]
    fn token_looking_userinfo_is_redacted_user_name_kept() {
        assert_eq!(r("https://ghp_abc@github.com/o/r"), "https://<redacted>@github.com/o/r");
        assert_eq!(r("https://0123456789abcdef0123@host/"), "https://<redacted>@host/");
        assert_eq!(r("ssh://git@github.com/o/r.git"), "ssh://git@github.com/o/r.git");
        // An `@` after the authority is part of the path, not a userinfo.
        assert_eq!(r("https://registry.npmjs.org/@types/node"), "https://registry.npmjs.org/@types/node");
    }

    #[test]
    fn secret_query_parameters_are_redacted() {
        assert_eq!(
            r("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA/x&X-Amz-Signature=abc&X-Amz-Security-Token=t"),
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&X-Amz-Security-Token=<redacted>"
        );
        assert_eq!(r("https://a.blob.core.windows.net/c/b?sv=2024&sp=r&sig=SECRET#frag"), "https://a.blob.core.windows.net/c/b?sv=2024&sp=r&sig=<redacted>#frag");
        assert_eq!(r("http://h/p?access_token=T&page=2&password=P&api_key=K"), "http://h/p?access_token=<redacted>&page=2&password=<redacted>&api_key=<redacted>");
        assert_eq!(r("http://h/p?q=1&flag"), "http://h/p?q=1&flag");
    }

    #[test]
    fn urls_inside_messages() {
        assert_eq!(
            r("invalid npm range `git+https://user:SECRET@example.com/x`: invalid comparator `git://user:SECRET@example.com/x`"),
            "invalid npm range `git+https://<redacted>@example.com/x`: invalid comparator `git://<redacted>@example.com/x`"
        );
        assert_eq!(r("GET 'http://u:p@h/x?token=T' failed (see http://u:p@h/y)."), "GET 'http://<redacted>@h/x?token=<redacted>' failed (see http://<redacted>@h/y).");
        assert!(matches!(redact_urls("no url here: a@b"), Cow::Borrowed(_)));
        assert!(matches!(redact_urls("https://example.com/x?page=2"), Cow::Borrowed(_)));
        assert_eq!(r("ends with ://"), "ends with ://");
        // Redacting twice changes nothing.
        let once = r("https://u:p@h/x?sig=s");
        assert_eq!(r(&once), once);
    }

    #[test]
    fn args() {
        let args: Vec<String> = [
            "--token",
            "abc",
            "--password=hunter2",
            "API_KEY=xyz",
            "NAME=ok",
            "https://u:p@host/x",
            "--registry=https://h/x?token=t",
            "--replicas",
            "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            redact_args(&args),
            vec![
                "--token",
                "<redacted>",
                "--password=<redacted>",
                "API_KEY=<redacted>",
                "NAME=ok",
                "https://<redacted>@host/x",
                "--registry=https://h/x?token=<redacted>",
                "--replicas",
                "3"
            ]
        );
    }

    #[test]
    fn secret_names() {
        for n in ["token", "NPM_TOKEN", "client-secret", "AWS_SECRET_ACCESS_KEY", "X-Amz-Signature", "sig", "SIG", "passwd"] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["name", "replicas", "sv", "page", "signal"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}
