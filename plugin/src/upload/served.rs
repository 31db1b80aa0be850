//! Which functions the upload commands serve: those that take an
//! [`Upload`](super::Upload) (or a list or an option of one) and do not
//! stream. Any other function is refused before a byte is accepted.

use specta::{datatype::DataType, TypeCollection};

use crate::{
    core::{
        error::{ArgProblem, CallError},
        ir::UPLOAD_MARK,
        registry::{ClientFn, FnEntry},
    },
    dispatch::Dispatcher,
};

/// The function an upload names, if the upload commands serve it:
/// `unknown_function` for a name nothing registered, `invalid_args` for a
/// function that takes no `Upload` (it goes through `call`) or streams (it
/// goes through `stream`).
pub(crate) fn served<'a>(
    dispatcher: &'a Dispatcher,
    function: &str,
) -> Result<&'a FnEntry, CallError> {
    let entry = dispatcher
        .registry
        .functions
        .get(function)
        .ok_or_else(|| CallError::UnknownFunction(function.to_owned()))?;
    let def = entry.def;
    if def.is_stream() {
        return Err(not_served(format!(
            "`{}` streams: call it through `stream`",
            def.name
        )));
    }
    if !takes_upload(def) {
        return Err(not_served(format!(
            "`{}` takes no Upload: call it through `call`",
            def.name
        )));
    }
    Ok(entry)
}

fn not_served(message: String) -> CallError {
    CallError::InvalidArgs(vec![ArgProblem {
        name: "fn".to_owned(),
        problem: "invalid",
        expected: Some("a function that takes an Upload and does not stream".to_owned()),
        message: Some(message),
    }])
}

/// Whether a wire param of `def` is an `Upload`, `Option<Upload>` or
/// `Vec<Upload>` (the rule by which the IR marks a function `uses upload`).
fn takes_upload(def: &ClientFn) -> bool {
    let types = (def.types)(&mut TypeCollection::default());
    types.params.iter().any(|(_, dt)| match dt {
        DataType::Nullable(inner) => is_upload(inner),
        DataType::List(list) => is_upload(list.ty()),
        dt => is_upload(dt),
    })
}

fn is_upload(dt: &DataType) -> bool {
    matches!(dt, DataType::Struct(s) if s.name() == UPLOAD_MARK)
}
