//! A recursive-descent PromQL parser with Prometheus's precedence rules and its type checks,
//! so a bad query fails here with a message close to the one Prometheus would give.

use super::ast::{
    AggOp, At, BinOp, Cardinality, Expr, LabelMatcher, MatchOp, ValueType, VectorMatching,
    VectorSelector,
};
use super::functions;
use super::lexer::{tokenize, Tok, Token};
use super::ParseError;

pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let toks = tokenize(input)?;
    let mut p = Parser { toks, i: 0 };
    if p.peek() == &Tok::Eof {
        return Err(ParseError::new(0, "no expression found in input"));
    }
    let expr = p.expr(0)?;
    if p.peek() != &Tok::Eof {
        let t = p.next();
        return Err(ParseError::new(
            t.pos,
            format!("unexpected {}", t.tok.describe()),
        ));
    }
    Ok(expr)
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.i + n).min(self.toks.len() - 1)].tok
    }

    fn pos(&self) -> usize {
        self.toks[self.i.min(self.toks.len() - 1)].pos
    }

    fn next(&mut self) -> Token {
        let t = self.toks[self.i.min(self.toks.len() - 1)].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn unexpected<T>(&mut self, context: &str) -> PResult<T> {
        let t = self.next();
        let what = t.tok.describe();
        let msg = if context.is_empty() {
            format!("unexpected {what}")
        } else {
            format!("unexpected {what} in {context}")
        };
        Err(ParseError::new(t.pos, msg))
    }

    fn expect(&mut self, want: Tok, context: &str) -> PResult<Token> {
        if *self.peek() == want {
            Ok(self.next())
        } else {
            let t = self.next();
            Err(ParseError::new(
                t.pos,
                format!(
                    "unexpected {} in {context}, expected {}",
                    t.tok.describe(),
                    want.describe()
                ),
            ))
        }
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn peek_binop(&self) -> Option<BinOp> {
        Some(match self.peek() {
            Tok::Add => BinOp::Add,
            Tok::Sub => BinOp::Sub,
            Tok::Mul => BinOp::Mul,
            Tok::Div => BinOp::Div,
            Tok::Mod => BinOp::Mod,
            Tok::Pow => BinOp::Pow,
            Tok::EqlEql => BinOp::Eql,
            Tok::Neq => BinOp::Neq,
            Tok::Lt => BinOp::Lt,
            Tok::Lte => BinOp::Lte,
            Tok::Gt => BinOp::Gt,
            Tok::Gte => BinOp::Gte,
            Tok::Ident(s) => match s.to_ascii_lowercase().as_str() {
                "and" => BinOp::And,
                "or" => BinOp::Or,
                "unless" => BinOp::Unless,
                "atan2" => BinOp::Atan2,
                _ => return None,
            },
            _ => return None,
        })
    }

    fn expr(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek_binop() {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let op_pos = self.next().pos;
            let return_bool = if self.peek_keyword("bool") {
                self.next();
                true
            } else {
                false
            };
            let matching = self.vector_matching(op)?;
            // `^` is right-associative, everything else left-associative.
            let next_min = if op == BinOp::Pow { prec } else { prec + 1 };
            let rhs = self.expr(next_min)?;
            lhs = build_binary(op, lhs, rhs, return_bool, matching, op_pos)?;
        }
        Ok(lhs)
    }

    /// `on(...)`/`ignoring(...)` then `group_left(...)`/`group_right(...)`, if present.
    fn vector_matching(&mut self, op: BinOp) -> PResult<Option<VectorMatching>> {
        let mut matching: Option<VectorMatching> = None;
        if self.peek_keyword("on") || self.peek_keyword("ignoring") {
            let on = self.peek_keyword("on");
            self.next();
            let labels = self.label_list("grouping opts")?;
            matching = Some(VectorMatching {
                card: Cardinality::OneToOne,
                on,
                labels,
                include: Vec::new(),
            });
        }
        if self.peek_keyword("group_left") || self.peek_keyword("group_right") {
            let pos = self.pos();
            let left = self.peek_keyword("group_left");
            self.next();
            if op.is_set() {
                return Err(ParseError::new(
                    pos,
                    format!("no grouping allowed for \"{}\" operation", op.name()),
                ));
            }
            let include = if self.peek() == &Tok::LParen {
                self.label_list("grouping opts")?
            } else {
                Vec::new()
            };
            let m = matching.get_or_insert(VectorMatching {
                card: Cardinality::OneToOne,
                on: false,
                labels: Vec::new(),
                include: Vec::new(),
            });
            if m.on {
                if let Some(l) = include.iter().find(|l| m.labels.contains(l)) {
                    return Err(ParseError::new(
                        pos,
                        format!("label {l:?} must not occur in ON and GROUP clause at once"),
                    ));
                }
            }
            m.card = if left {
                Cardinality::ManyToOne
            } else {
                Cardinality::OneToMany
            };
            m.include = include;
        }
        Ok(matching)
    }

    fn label_list(&mut self, context: &str) -> PResult<Vec<String>> {
        self.expect(Tok::LParen, context)?;
        let mut out = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::RParen => {
                    self.next();
                    return Ok(out);
                }
                Tok::Ident(name) => {
                    self.next();
                    out.push(name);
                    match self.peek() {
                        Tok::Comma => {
                            self.next();
                        }
                        Tok::RParen => {}
                        _ => return self.unexpected(context),
                    }
                }
                _ => return self.unexpected(context),
            }
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        match self.peek() {
            Tok::Sub | Tok::Add => {
                let neg = self.peek() == &Tok::Sub;
                let pos = self.next().pos;
                // Unary minus binds looser than `^` (`-2^2` is -4), tighter than the rest.
                let operand = self.expr(BinOp::Pow.precedence())?;
                let t = operand.value_type();
                if t != ValueType::Scalar && t != ValueType::Vector {
                    return Err(ParseError::new(
                        pos,
                        format!(
                            "unary expression only allowed on expressions of type scalar or instant vector, got {t}"
                        ),
                    ));
                }
                Ok(match (neg, operand) {
                    (false, e) => e,
                    (true, Expr::Number(v)) => Expr::Number(-v),
                    (true, e) => Expr::Neg(Box::new(e)),
                })
            }
            _ => {
                let primary = self.primary()?;
                self.postfix(primary)
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Number(v) => {
                self.next();
                Ok(Expr::Number(v))
            }
            Tok::Str(s) => {
                self.next();
                Ok(Expr::Str(s))
            }
            Tok::LParen => {
                self.next();
                if self.peek() == &Tok::RParen {
                    return self.unexpected("paren expression");
                }
                let e = self.expr(0)?;
                self.expect(Tok::RParen, "paren expression")?;
                Ok(Expr::Paren(Box::new(e)))
            }
            Tok::LBrace => {
                let matchers = self.matchers()?;
                Ok(Expr::Vector(selector(None, matchers, pos)?))
            }
            Tok::Ident(name) => {
                let lower = name.to_ascii_lowercase();
                if let Some(op) = AggOp::from_name(&name) {
                    let follows_group = matches!(self.peek_at(1), Tok::Ident(k)
                        if k.eq_ignore_ascii_case("by") || k.eq_ignore_ascii_case("without"));
                    if self.peek_at(1) == &Tok::LParen || follows_group {
                        self.next();
                        return self.aggregation(op, pos);
                    }
                }
                if self.peek_at(1) == &Tok::LParen {
                    self.next();
                    return self.call(&name, pos);
                }
                if lower == "inf" || lower == "nan" {
                    self.next();
                    return Ok(Expr::Number(if lower == "inf" {
                        f64::INFINITY
                    } else {
                        f64::NAN
                    }));
                }
                self.next();
                let matchers = if self.peek() == &Tok::LBrace {
                    self.matchers()?
                } else {
                    Vec::new()
                };
                Ok(Expr::Vector(selector(Some(&name), matchers, pos)?))
            }
            Tok::Eof => self.unexpected(""),
            Tok::RParen => {
                let t = self.next();
                Err(ParseError::new(t.pos, "unexpected right parenthesis ')'"))
            }
            _ => self.unexpected(""),
        }
    }

    fn matchers(&mut self) -> PResult<Vec<LabelMatcher>> {
        self.expect(Tok::LBrace, "label matching")?;
        let mut out = Vec::new();
        loop {
            let name = match self.peek().clone() {
                Tok::RBrace => {
                    self.next();
                    return Ok(out);
                }
                Tok::Ident(name) => {
                    self.next();
                    name
                }
                Tok::Str(name) => {
                    self.next();
                    name
                }
                _ => return self.unexpected("label matching"),
            };
            let op = match self.peek() {
                Tok::Assign => MatchOp::Equal,
                Tok::Neq => MatchOp::NotEqual,
                Tok::RegexMatch => MatchOp::Regex,
                Tok::RegexNoMatch => MatchOp::NotRegex,
                _ => {
                    let t = self.next();
                    return Err(ParseError::new(
                        t.pos,
                        format!(
                            "unexpected {} in label matching, expected label matching operator",
                            t.tok.describe()
                        ),
                    ));
                }
            };
            self.next();
            let value_pos = self.pos();
            let value = match self.peek().clone() {
                Tok::Str(v) => {
                    self.next();
                    v
                }
                _ => {
                    let t = self.next();
                    return Err(ParseError::new(
                        t.pos,
                        format!(
                            "unexpected {} in label matching, expected string",
                            t.tok.describe()
                        ),
                    ));
                }
            };
            let m = LabelMatcher::new(&name, op, &value)
                .map_err(|e| ParseError::new(value_pos, format!("error parsing regexp: {e}")))?;
            out.push(m);
            match self.peek() {
                Tok::Comma => {
                    self.next();
                }
                Tok::RBrace => {}
                _ => return self.unexpected("label matching"),
            }
        }
    }

    fn aggregation(&mut self, op: AggOp, pos: usize) -> PResult<Expr> {
        let mut grouping = Vec::new();
        let mut without = false;
        let mut grouped = false;
        if self.peek_keyword("by") || self.peek_keyword("without") {
            without = self.peek_keyword("without");
            self.next();
            grouping = self.label_list("grouping opts")?;
            grouped = true;
        }
        self.expect(Tok::LParen, "aggregation")?;
        let mut args = Vec::new();
        if self.peek() != &Tok::RParen {
            loop {
                args.push(self.expr(0)?);
                match self.peek() {
                    Tok::Comma => {
                        self.next();
                    }
                    Tok::RParen => break,
                    Tok::Eof => return self.unexpected("aggregation"),
                    _ => return self.unexpected("aggregation"),
                }
            }
        }
        self.expect(Tok::RParen, "aggregation")?;
        if !grouped && (self.peek_keyword("by") || self.peek_keyword("without")) {
            without = self.peek_keyword("without");
            self.next();
            grouping = self.label_list("grouping opts")?;
        }
        let want = if op.param_type().is_some() { 2 } else { 1 };
        if args.len() != want {
            return Err(ParseError::new(
                pos,
                format!(
                    "wrong number of arguments for aggregate expression provided, expected {want}, got {}",
                    args.len()
                ),
            ));
        }
        let expr = args
            .pop()
            .ok_or_else(|| ParseError::new(pos, "missing aggregation argument"))?;
        let param = args.pop();
        if let (Some(p), Some(t)) = (&param, op.param_type()) {
            if p.value_type() != t {
                return Err(ParseError::new(
                    pos,
                    format!(
                        "expected type {t} in aggregation parameter, got {}",
                        p.value_type()
                    ),
                ));
            }
        }
        if expr.value_type() != ValueType::Vector {
            return Err(ParseError::new(
                pos,
                format!(
                    "expected type instant vector in aggregation expression, got {}",
                    expr.value_type()
                ),
            ));
        }
        Ok(Expr::Aggregate {
            op,
            param: param.map(Box::new),
            expr: Box::new(expr),
            grouping,
            without,
        })
    }

    fn call(&mut self, name: &str, pos: usize) -> PResult<Expr> {
        let func = functions::lookup(name)
            .ok_or_else(|| ParseError::new(pos, format!("unknown function with name {name:?}")))?;
        self.expect(Tok::LParen, "function call")?;
        let mut args = Vec::new();
        if self.peek() != &Tok::RParen {
            loop {
                args.push(self.expr(0)?);
                match self.peek() {
                    Tok::Comma => {
                        self.next();
                    }
                    Tok::RParen => break,
                    _ => return self.unexpected("function call"),
                }
            }
        }
        self.expect(Tok::RParen, "function call")?;
        functions::check_args(func, &args).map_err(|msg| ParseError::new(pos, msg))?;
        Ok(Expr::Call { func, args })
    }

    fn postfix(&mut self, mut expr: Expr) -> PResult<Expr> {
        loop {
            let pos = self.pos();
            if self.peek() == &Tok::LBracket {
                self.next();
                let range = match self.next() {
                    Token {
                        tok: Tok::Duration(d),
                        ..
                    } if d > 0 => d,
                    t => {
                        return Err(ParseError::new(
                            t.pos,
                            format!(
                                "unexpected {} in subquery or range selector, expected duration",
                                t.tok.describe()
                            ),
                        ))
                    }
                };
                if self.peek() == &Tok::Colon {
                    self.next();
                    let step = match self.peek().clone() {
                        Tok::Duration(d) if d > 0 => {
                            self.next();
                            Some(d)
                        }
                        Tok::RBracket => None,
                        _ => return self.unexpected("subquery selector"),
                    };
                    self.expect(Tok::RBracket, "subquery selector")?;
                    let t = expr.value_type();
                    if t != ValueType::Vector {
                        return Err(ParseError::new(
                            pos,
                            format!("subquery is only allowed on instant vector, got {t}"),
                        ));
                    }
                    expr = Expr::Subquery {
                        expr: Box::new(expr),
                        range,
                        step,
                        offset: 0,
                        at: None,
                    };
                } else {
                    self.expect(Tok::RBracket, "range selector")?;
                    expr = match expr {
                        Expr::Vector(selector) => {
                            if selector.offset != 0 || selector.at.is_some() {
                                return Err(ParseError::new(
                                    pos,
                                    "no offset or @ modifiers allowed before range",
                                ));
                            }
                            Expr::Matrix { selector, range }
                        }
                        _ => {
                            return Err(ParseError::new(
                                pos,
                                "ranges only allowed for vector selectors",
                            ))
                        }
                    };
                }
            } else if self.peek_keyword("offset") {
                self.next();
                let negative = if self.peek() == &Tok::Sub {
                    self.next();
                    true
                } else {
                    false
                };
                let d = match self.next() {
                    Token {
                        tok: Tok::Duration(d),
                        ..
                    } => d,
                    t => {
                        return Err(ParseError::new(
                            t.pos,
                            format!(
                                "unexpected {} in offset, expected duration",
                                t.tok.describe()
                            ),
                        ))
                    }
                };
                let d = if negative { -d } else { d };
                let slot = modifier_target(&mut expr).ok_or_else(|| {
                    ParseError::new(
                        pos,
                        "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                    )
                })?;
                if *slot.0 != 0 {
                    return Err(ParseError::new(pos, "offset may not be set multiple times"));
                }
                *slot.0 = d;
            } else if self.peek() == &Tok::At {
                self.next();
                let at = match self.next().tok {
                    Tok::Number(v) => At::Time((v * 1000.0).round() as i64),
                    Tok::Sub => match self.next().tok {
                        Tok::Number(v) => At::Time((-v * 1000.0).round() as i64),
                        _ => return Err(ParseError::new(pos, "unexpected token after @ modifier")),
                    },
                    Tok::Ident(f) if f == "start" || f == "end" => {
                        self.expect(Tok::LParen, "@ modifier")?;
                        self.expect(Tok::RParen, "@ modifier")?;
                        if f == "start" {
                            At::Start
                        } else {
                            At::End
                        }
                    }
                    _ => {
                        return Err(ParseError::new(
                            pos,
                            "@ modifier must be followed by a timestamp, start() or end()",
                        ))
                    }
                };
                let slot = modifier_target(&mut expr).ok_or_else(|| {
                    ParseError::new(
                        pos,
                        "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                    )
                })?;
                if slot.1.is_some() {
                    return Err(ParseError::new(
                        pos,
                        "@ <timestamp> may not be set multiple times",
                    ));
                }
                *slot.1 = Some(at);
            } else {
                return Ok(expr);
            }
        }
    }
}

/// The offset and `@` slots of a selector, range selector or subquery.
fn modifier_target(expr: &mut Expr) -> Option<(&mut i64, &mut Option<At>)> {
    match expr {
        Expr::Vector(s) | Expr::Matrix { selector: s, .. } => Some((&mut s.offset, &mut s.at)),
        Expr::Subquery { offset, at, .. } => Some((offset, at)),
        _ => None,
    }
}

fn selector(
    name: Option<&str>,
    mut matchers: Vec<LabelMatcher>,
    pos: usize,
) -> PResult<VectorSelector> {
    if let Some(name) = name {
        if let Some(other) = matchers.iter().find(|m| m.name == "__name__") {
            return Err(ParseError::new(
                pos,
                format!(
                    "metric name must not be set twice: {name:?} or {:?}",
                    other.value
                ),
            ));
        }
        let m = LabelMatcher::new("__name__", MatchOp::Equal, name)
            .map_err(|e| ParseError::new(pos, e.to_string()))?;
        matchers.insert(0, m);
    }
    if !matchers.iter().any(|m| !m.matches("")) {
        return Err(ParseError::new(
            pos,
            "vector selector must contain at least one non-empty matcher",
        ));
    }
    Ok(VectorSelector {
        matchers,
        offset: 0,
        at: None,
    })
}

fn build_binary(
    op: BinOp,
    lhs: Expr,
    rhs: Expr,
    return_bool: bool,
    matching: Option<VectorMatching>,
    pos: usize,
) -> PResult<Expr> {
    let (lt, rt) = (lhs.value_type(), rhs.value_type());
    let ok = |t: ValueType| t == ValueType::Scalar || t == ValueType::Vector;
    if !ok(lt) || !ok(rt) {
        return Err(ParseError::new(
            pos,
            "binary expression must contain only scalar and instant vector types",
        ));
    }
    if return_bool && !op.is_comparison() {
        return Err(ParseError::new(
            pos,
            "bool modifier can only be used on comparison operators",
        ));
    }
    let both_scalar = lt == ValueType::Scalar && rt == ValueType::Scalar;
    if op.is_comparison() && both_scalar && !return_bool {
        return Err(ParseError::new(
            pos,
            "comparisons between scalars must use BOOL modifier",
        ));
    }
    if op.is_set() && (lt == ValueType::Scalar || rt == ValueType::Scalar) {
        return Err(ParseError::new(
            pos,
            format!(
                "set operator {:?} not allowed in binary scalar expression",
                op.name()
            ),
        ));
    }
    let both_vector = lt == ValueType::Vector && rt == ValueType::Vector;
    if matching.is_some() && !both_vector {
        return Err(ParseError::new(
            pos,
            "vector matching only allowed between instant vectors",
        ));
    }
    let matching = if both_vector {
        let mut m = matching.unwrap_or(VectorMatching {
            card: Cardinality::OneToOne,
            on: false,
            labels: Vec::new(),
            include: Vec::new(),
        });
        if op.is_set() {
            m.card = Cardinality::ManyToMany;
        }
        Some(m)
    } else {
        None
    };
    Ok(Expr::Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        return_bool,
        matching,
    })
}
