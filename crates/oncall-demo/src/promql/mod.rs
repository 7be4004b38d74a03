//! PromQL for the demo platform: a parser with Prometheus's type checks and error wording,
//! and an evaluator over any [`Storage`]. It covers the language dashboards use (selectors,
//! range and subqueries, `offset`/`@`, aggregations, vector matching, the common
//! functions), so user dashboards work in the demo too.

mod ast;
mod eval;
mod functions;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use ast::{Expr, LabelMatcher, MatchOp, ValueType};
pub use eval::{
    format_value, instant_query, range_query, EvalError, InstantResult, Labels, Matrix, SeriesRef,
    Storage,
};
pub use functions::{counter_fn, CounterFn};
pub use lexer::parse_duration;
pub use parser::parse;

/// A parse error with the byte offset it points at.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub pos: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(pos: usize, message: impl Into<String>) -> Self {
        ParseError {
            pos,
            message: message.into(),
        }
    }

    /// Prometheus's form: `1:5: parse error: unexpected identifier "bar"` (line and column
    /// are 1-based, the column counted in characters).
    pub fn render(&self, input: &str) -> String {
        let pos = self.pos.min(input.len());
        let before = input.get(..pos).unwrap_or(input);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = before[line_start..].chars().count() + 1;
        format!("{line}:{col}: parse error: {}", self.message)
    }
}
