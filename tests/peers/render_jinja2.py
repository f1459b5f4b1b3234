#!/usr/bin/python3
# Reference renderer for the chat-template conformance test: Python's jinja2 set up
# exactly as transformers' apply_chat_template does (ImmutableSandboxedEnvironment,
# trim_blocks, lstrip_blocks, loopcontrols + the generation tag, HF's tojson,
# raise_exception, strftime_now pinned to the corpus's "now").
# Usage: render_jinja2.py CORPUS.json TEMPLATES_DIR OUT.json
import datetime
import json
import sys

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment


class AssistantTracker(jinja2.ext.Extension):
    # transformers' {% generation %} tag: renders its body unchanged.
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def make_env(now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def preprocess(messages, content_format):
    # vLLM's chat_utils preprocessing (mirrored by engine/text/chat/chat_template.cpp):
    # text parts joined with "\n" for the "string" content format; tool-call arguments
    # given as JSON strings parsed into objects.
    out = []
    for m in messages:
        m = json.loads(json.dumps(m))
        if isinstance(m.get("content"), list):
            texts = [p["text"] for p in m["content"]]
            if content_format == "string":
                m["content"] = "\n".join(texts)
            else:
                m["content"] = [{"type": "text", "text": t} for t in texts]
        if m["role"] == "assistant" and isinstance(m.get("tool_calls"), list):
            for call in m["tool_calls"]:
                fn = call.get("function")
                if isinstance(fn, dict):
                    args = fn.get("arguments")
                    if args is None or args == "":
                        fn["arguments"] = {}
                    elif isinstance(args, str):
                        fn["arguments"] = json.loads(args)
        out.append(m)
    return out


def main():
    corpus_path, templates_dir, out_path = sys.argv[1:4]
    with open(corpus_path, encoding="utf-8") as f:
        corpus = json.load(f)
    env = make_env(datetime.datetime.fromisoformat(corpus["now"]))
    results = {}
    for tname, tinfo in corpus["templates"].items():
        with open(f"{templates_dir}/{tname}", encoding="utf-8") as f:
            template = env.from_string(f.read())
        for case in corpus["cases"]:
            key = f"{tname}|{case['name']}"
            try:
                context = dict(corpus["special_tokens"])
                context.update(case.get("kwargs", {}))
                out = template.render(
                    messages=preprocess(case["messages"], tinfo["content_format"]),
                    tools=case.get("tools"),
                    documents=None,
                    add_generation_prompt=case.get("add_generation_prompt", True),
                    **context,
                )
                results[key] = {"ok": True, "output": out}
            except Exception as e:  # the template raised: record what
                results[key] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
