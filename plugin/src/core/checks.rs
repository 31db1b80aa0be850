//! Compile-time checks of the `#[client]` expansion, each failing with a
//! message that says what to write instead.
//!
//! The attribute sees only the function, not where it stands, nor what a
//! type alias stands for; these checks let the compiler tell, through
//! method resolution on the concrete types (the probe's specialized method
//! applies to the one type it names, the general one to every other).

use std::{marker::PhantomData, ops::Deref};

// A free function ---------------------------------------------------------------

/// What the expansion calls in place of a `#[client]` function that is not
/// a free function of its module (one in an `impl` block): it has the
/// function's signature, so only the check below fails.
pub struct NotAFreeFunction<F>(pub F);

impl<F> Deref for NotAFreeFunction<F> {
    type Target = F;
    fn deref(&self) -> &F {
        &self.0
    }
}

/// Holds what is checked.
pub struct Probe<'a, T>(pub &'a T);

/// The function the expansion found is a free function.
pub struct Free;

/// The expansion found no free function of that name beside the attribute.
pub struct NotFree;

/// The specialized probe: the stand-in, so no free function.
pub trait ProbeStandIn {
    /// Says: not a free function.
    fn __mizan_free_fn(&self) -> NotFree {
        NotFree
    }
}
impl<F> ProbeStandIn for Probe<'_, NotAFreeFunction<F>> {}

/// The general probe: any function.
pub trait ProbeFunction {
    /// Says: a free function.
    fn __mizan_free_fn(&self) -> Free {
        Free
    }
}
impl<T> ProbeFunction for &Probe<'_, T> {}

/// What the probe found.
#[diagnostic::on_unimplemented(
    message = "`#[client]` goes on a free function of a module, not in an `impl` block or a function body",
    label = "not a free function of this module",
    note = "move the function out of the `impl` block (or the function body) into the module, with the same signature",
    note = "in a doc test, write `fn main() {{}}` so the example's items stay at module level"
)]
pub trait FreeFunction {}

#[diagnostic::do_not_recommend]
impl FreeFunction for Free {}

/// Fails to compile unless the probe found a free function.
pub fn free_function<W: FreeFunction>(_: W) {}

// A Result under another name ------------------------------------------------

/// Holds the return type that is checked.
pub struct Returns<T>(PhantomData<T>);

impl<T> Returns<T> {
    /// The probe of `T`.
    pub const PROBE: Self = Returns(PhantomData);
}

/// The return type is a plain value.
pub struct PlainValue;

/// The return type is a `Result` under another name.
pub struct ResultUnderAnotherName;

/// The specialized probe: a `Result`.
pub trait ReturnsResult {
    /// Says: a `Result` under another name.
    fn __mizan_returns(&self) -> ResultUnderAnotherName {
        ResultUnderAnotherName
    }
}
impl<T, E> ReturnsResult for Returns<Result<T, E>> {}

/// The general probe: any other type.
pub trait ReturnsValue {
    /// Says: a plain value.
    fn __mizan_returns(&self) -> PlainValue {
        PlainValue
    }
}
impl<T> ReturnsValue for &Returns<T> {}

/// What the return probe found.
#[diagnostic::on_unimplemented(
    message = "this `#[client]` function returns a `Result` under another name",
    label = "write this type as `Result<T, E>`",
    note = "`#[client]` recognises a `Result` by the last segment of its path (`Result`, `std::result::Result`, `io::Result`), and sends its `Err` as the details of an `app` error; under another name it would send the whole `Result` as a value",
    note = "for `type Fallible<T> = Result<T, String>`, write `Result<T, String>`, or name the alias `Result` (`type Result<T> = std::result::Result<T, String>`)"
)]
pub trait PlainReturn {}

#[diagnostic::do_not_recommend]
impl PlainReturn for PlainValue {}

/// Fails to compile when the return type is a `Result` not named `Result`.
pub fn plain_return<W: PlainReturn>(_: W) {}
