//! placeholder
use crate::error::McError;
use crate::spec::Spec;
pub struct Azure;
impl Azure {
    pub fn new(_s: &Spec) -> Result<std::sync::Arc<dyn crate::cloud::Cloud>, McError> { Err(McError::op("azure", "not yet")) }
}
