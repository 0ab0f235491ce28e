//! `G/A/maven-metadata.xml`: the versions a repository has of one artifact.

/// The `<versioning>` of an artifact's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `versioning/versions/version`, in the file's order (ascending on Maven Central).
    pub versions: Vec<String>,
    pub latest: Option<String>,
    pub release: Option<String>,
}

pub fn parse(text: &str) -> Result<Metadata, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().name() != "metadata" {
        return Err(format!("the root element is <{}>, not <metadata>", root.tag_name().name()));
    }
    let Some(versioning) = root.children().find(|n| n.has_tag_name("versioning")) else { return Ok(Metadata::default()) };
    let text_of = |name: &str| {
        versioning.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
    };
    let versions = versioning
        .children()
        .find(|n| n.has_tag_name("versions"))
        .map(|vs| vs.children().filter(|n| n.has_tag_name("version")).filter_map(|v| v.text()).map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect())
        .unwrap_or_default();
    Ok(Metadata { versions, latest: text_of("latest"), release: text_of("release") })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    #[test]
    fn versions_in_file_order() {
        let m = super::parse("<metadata><groupId>g</groupId><versioning><latest>1.10</latest><release>1.10</release><versions><version>1.9</version><version> 1.10 </version></versions></versioning></metadata>").unwrap();
        assert_eq!(m.versions, ["1.9", "1.10"]);
        assert_eq!(m.release.as_deref(), Some("1.10"));
        assert!(super::parse("<project/>").is_err());
    }
}
