// Statement parsing: text, {{ output }}, and the block tags (if, for, set, macro,
// call, filter, break/continue, HF's generation).
#include "engine/text/jinja/error.h"
#include "engine/text/jinja/parser.h"
#include "engine/text/jinja/parser_impl.h"

namespace vllmctl::jinja {
namespace {

std::unique_ptr<Stmt> make_stmt(StmtKind kind, const Token& at) {
  auto s = std::make_unique<Stmt>();
  s->kind = kind;
  s->line = at.line;
  s->col = at.col;
  return s;
}

std::string looking_for(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " or " : ", ";
    out += "'" + std::string(names[i]) + "'";
  }
  return out;
}

}  // namespace

Body Parser::subparse(const std::vector<std::string_view>& end_names, std::string* found) {
  DepthGuard guard(*this);
  Body body;
  while (true) {
    const Token& t = cur();
    switch (t.type) {
      case TokenType::Data: {
        auto s = make_stmt(StmtKind::Text, t);
        s->text = t.value;
        body.push_back(std::move(s));
        next();
        break;
      }
      case TokenType::VarBegin: {
        auto s = make_stmt(StmtKind::Output, t);
        next();
        s->expr = parse_tuple();
        if (cur().type != TokenType::VarEnd) {
          fail(cur(), "expected token 'end of print statement', got " + describe(cur()));
        }
        next();
        body.push_back(std::move(s));
        break;
      }
      case TokenType::BlockBegin: {
        next();
        if (cur().type == TokenType::Name) {
          for (auto n : end_names) {
            if (cur().value == n) {
              if (found) *found = cur().value;
              return body;
            }
          }
        }
        body.push_back(parse_statement());
        break;
      }
      case TokenType::Eof:
        if (!end_names.empty()) {
          fail(t, "Unexpected end of template. Jinja was looking for the following tags: " +
                      looking_for(end_names) + ".");
        }
        return body;
      default:
        fail(t, "unexpected " + describe(t));
    }
  }
}

std::unique_ptr<Stmt> Parser::parse_statement() {
  const Token at = cur();
  if (at.type != TokenType::Name) fail(at, "tag name expected");
  const std::string& tag = at.value;
  next();
  if (tag == "if") return parse_if(at);
  if (tag == "for") return parse_for(at);
  if (tag == "set") return parse_set(at);
  if (tag == "macro") return parse_macro(at);
  if (tag == "call") return parse_call_block(at);
  if (tag == "filter") return parse_filter_block(at);
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) fail(at, "'" + tag + "' outside of a loop");
    expect_block_end();
    return make_stmt(tag == "break" ? StmtKind::Break : StmtKind::Continue, at);
  }
  if (tag == "generation") {  // transformers' AssistantTracker: renders its body as is
    expect_block_end();
    auto s = make_stmt(StmtKind::If, at);
    auto yes = make(ExprKind::Literal, at);
    yes->literal = Value(true);
    std::string found;
    Body body = subparse({"endgeneration"}, &found);
    next();
    expect_block_end();
    s->branches.emplace_back(std::move(yes), std::move(body));
    return s;
  }
  fail(at, "Encountered unknown tag '" + tag + "'.");
}

std::unique_ptr<Stmt> Parser::parse_if(const Token& at) {
  auto s = make_stmt(StmtKind::If, at);
  while (true) {
    ExprPtr cond = parse_tuple(false);
    expect_block_end();
    std::string found;
    Body body = subparse({"elif", "else", "endif"}, &found);
    next();
    s->branches.emplace_back(std::move(cond), std::move(body));
    if (found == "elif") continue;
    if (found == "else") {
      expect_block_end();
      s->else_body = subparse({"endif"}, &found);
      next();
    }
    break;
  }
  expect_block_end();
  return s;
}

std::vector<ExprPtr> Parser::parse_targets(const std::vector<std::string_view>& end_names) {
  std::vector<ExprPtr> targets;
  bool paren = at_op("(");
  if (paren) next();
  while (true) {
    const Token& t = cur();
    auto name = make(ExprKind::Name, t);
    name->name = expect_name();
    if (at_op(".") && targets.empty() && !paren) {  // namespace attribute: ns.attr
      next();
      auto attr = make(ExprKind::Attr, t);
      attr->name = expect_name();
      attr->args.push_back(std::move(name));
      targets.push_back(std::move(attr));
      return targets;
    }
    targets.push_back(std::move(name));
    if (!at_op(",")) break;
    next();
    if (paren && at_op(")")) break;
    bool end = false;
    for (auto n : end_names) end = end || at_name(n);
    if (end || at_op("=")) break;
  }
  if (paren) expect_op(")");
  return targets;
}

std::unique_ptr<Stmt> Parser::parse_for(const Token& at) {
  auto s = make_stmt(StmtKind::For, at);
  s->targets = parse_targets({"in"});
  if (!at_name("in")) fail(cur(), "expected token 'in', got " + describe(cur()));
  next();
  s->expr = parse_tuple(false, {"recursive"});
  if (at_name("if")) {
    next();
    s->cond = parse_expression();
  }
  if (at_name("recursive")) fail(cur(), "recursive loops are not supported");
  expect_block_end();
  ++loop_depth_;
  std::string found;
  s->body = subparse({"endfor", "else"}, &found);
  --loop_depth_;
  next();
  if (found == "else") {
    expect_block_end();
    s->else_body = subparse({"endfor"}, &found);
    next();
  }
  expect_block_end();
  return s;
}

std::unique_ptr<Stmt> Parser::parse_set(const Token& at) {
  auto s = make_stmt(StmtKind::Set, at);
  s->targets = parse_targets({});
  if (at_op("=")) {
    next();
    s->expr = parse_tuple();
    expect_block_end();
    return s;
  }
  if (s->targets.size() != 1 || s->targets[0]->kind != ExprKind::Name) {
    fail(cur(), "expected token '=', got " + describe(cur()));
  }
  s->kind = StmtKind::SetBlock;
  s->name = s->targets[0]->name;
  if (at_op("|")) s->expr = parse_filters(nullptr, false);
  expect_block_end();
  std::string found;
  s->body = subparse({"endset"}, &found);
  next();
  expect_block_end();
  return s;
}

void Parser::parse_signature(Stmt& stmt) {
  expect_op("(");
  while (!at_op(")")) {
    if (!stmt.params.empty()) expect_op(",");
    stmt.params.push_back(expect_name());
    if (at_op("=")) {
      next();
      stmt.defaults.push_back(parse_expression());
    } else {
      if (!stmt.defaults.empty() && stmt.defaults.back()) {
        fail(cur(), "non-default argument follows default argument");
      }
      stmt.defaults.push_back(nullptr);
    }
  }
  next();
}

std::unique_ptr<Stmt> Parser::parse_macro(const Token& at) {
  auto s = make_stmt(StmtKind::Macro, at);
  s->name = expect_name();
  parse_signature(*s);
  expect_block_end();
  int saved = loop_depth_;
  loop_depth_ = 0;
  std::string found;
  s->body = subparse({"endmacro"}, &found);
  loop_depth_ = saved;
  next();
  expect_block_end();
  return s;
}

std::unique_ptr<Stmt> Parser::parse_call_block(const Token& at) {
  auto s = make_stmt(StmtKind::CallBlock, at);
  if (at_op("(")) parse_signature(*s);
  s->expr = parse_expression();
  if (s->expr->kind != ExprKind::Call) fail(at, "expected call");
  expect_block_end();
  std::string found;
  s->body = subparse({"endcall"}, &found);
  next();
  expect_block_end();
  return s;
}

std::unique_ptr<Stmt> Parser::parse_filter_block(const Token& at) {
  auto s = make_stmt(StmtKind::FilterBlock, at);
  s->expr = parse_filters(nullptr, true);
  expect_block_end();
  std::string found;
  s->body = subparse({"endfilter"}, &found);
  next();
  expect_block_end();
  return s;
}

Body parse(const std::vector<Token>& tokens, const std::string& name) {
  Parser parser(tokens, name);
  return parser.subparse({}, nullptr);
}

}  // namespace vllmctl::jinja
