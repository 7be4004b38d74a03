//! The parsed form of a PromQL expression.

use std::fmt;

use regex::Regex;

use super::functions::FunctionDef;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Scalar,
    Vector,
    Matrix,
    String,
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        })
    }
}

/// One `name op "value"` of a selector. Regexes are fully anchored, as in Prometheus.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<Regex>,
}

impl LabelMatcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Self, regex::Error> {
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(Regex::new(&format!("^(?s:{value})$"))?),
            MatchOp::Equal | MatchOp::NotEqual => None,
        };
        Ok(LabelMatcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    /// Whether a label value (empty when the label is absent) satisfies this matcher.
    pub fn matches(&self, value: &str) -> bool {
        match (&self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(value),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(value),
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }
}

impl PartialEq for LabelMatcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

/// `@ 1700000000`, `@ start()`, `@ end()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    Time(i64),
    Start,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VectorSelector {
    /// All matchers, the metric name included as `__name__="..."`.
    pub matchers: Vec<LabelMatcher>,
    /// Milliseconds to look back from the evaluation time.
    pub offset: i64,
    pub at: Option<At>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggOp {
    Sum,
    Avg,
    Min,
    Max,
    Count,
    Group,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    Quantile,
    CountValues,
}

impl AggOp {
    pub fn from_name(name: &str) -> Option<AggOp> {
        Some(match name.to_ascii_lowercase().as_str() {
            "sum" => AggOp::Sum,
            "avg" => AggOp::Avg,
            "min" => AggOp::Min,
            "max" => AggOp::Max,
            "count" => AggOp::Count,
            "group" => AggOp::Group,
            "stddev" => AggOp::Stddev,
            "stdvar" => AggOp::Stdvar,
            "topk" => AggOp::Topk,
            "bottomk" => AggOp::Bottomk,
            "quantile" => AggOp::Quantile,
            "count_values" => AggOp::CountValues,
            _ => return None,
        })
    }

    /// The type of the leading parameter, for those that take one.
    pub fn param_type(self) -> Option<ValueType> {
        match self {
            AggOp::Topk | AggOp::Bottomk | AggOp::Quantile => Some(ValueType::Scalar),
            AggOp::CountValues => Some(ValueType::String),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    And,
    Or,
    Unless,
}

impl BinOp {
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And | BinOp::Unless => 2,
            BinOp::Eql | BinOp::Neq | BinOp::Lt | BinOp::Lte | BinOp::Gt | BinOp::Gte => 3,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Atan2 => 5,
            BinOp::Pow => 6,
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eql | BinOp::Neq | BinOp::Lt | BinOp::Lte | BinOp::Gt | BinOp::Gte
        )
    }

    pub fn is_set(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Unless)
    }

    pub fn name(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Atan2 => "atan2",
            BinOp::Eql => "==",
            BinOp::Neq => "!=",
            BinOp::Lt => "<",
            BinOp::Lte => "<=",
            BinOp::Gt => ">",
            BinOp::Gte => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Unless => "unless",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    OneToOne,
    ManyToOne,
    OneToMany,
    ManyToMany,
}

/// `on(...)`/`ignoring(...)` and `group_left(...)`/`group_right(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorMatching {
    pub card: Cardinality,
    /// `true` for `on(labels)`, `false` for `ignoring(labels)` (the default, with no labels).
    pub on: bool,
    pub labels: Vec<String>,
    /// Labels copied from the "one" side with `group_left(...)`/`group_right(...)`.
    pub include: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Str(String),
    Vector(VectorSelector),
    Matrix {
        selector: VectorSelector,
        range: i64,
    },
    Subquery {
        expr: Box<Expr>,
        range: i64,
        /// `None` uses the default evaluation interval.
        step: Option<i64>,
        offset: i64,
        at: Option<At>,
    },
    Call {
        func: &'static FunctionDef,
        args: Vec<Expr>,
    },
    Aggregate {
        op: AggOp,
        param: Option<Box<Expr>>,
        expr: Box<Expr>,
        grouping: Vec<String>,
        without: bool,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        return_bool: bool,
        /// `None` when either side is a scalar.
        matching: Option<VectorMatching>,
    },
    Neg(Box<Expr>),
    Paren(Box<Expr>),
}

impl Expr {
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::Str(_) => ValueType::String,
            Expr::Vector(_) => ValueType::Vector,
            Expr::Matrix { .. } | Expr::Subquery { .. } => ValueType::Matrix,
            Expr::Call { func, .. } => func.ret,
            Expr::Aggregate { .. } => ValueType::Vector,
            Expr::Binary { lhs, rhs, .. } => {
                if lhs.value_type() == ValueType::Scalar && rhs.value_type() == ValueType::Scalar {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Neg(e) | Expr::Paren(e) => e.value_type(),
        }
    }
}
