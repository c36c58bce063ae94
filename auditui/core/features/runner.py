"""`[evals.runner] command` as an argument list: split once, each placeholder filled
inside its own word, every value also in the runner's environment.

A model's name is whatever a pushed file is called (`models/m$(touch PWNED).yaml`), so
no value may become code, an option or a second word (issue 25; docs/policy.md,
"`[evals.runner]`"):

- the command is split into words like a POSIX shell splits them, once, and run
  without a shell;
- a placeholder fills exactly its own characters in the one word it sits in: the word
  is never split again, and nothing in a value is read as a placeholder, a glob or a
  variable;
- a value that would begin a word may not begin with `-` (it would be an option):
  `--model={model}` takes any name;
- no placeholder may name the program, the script or module an interpreter runs, or
  sit in or after the code it is given inline (`sh -c`, `python -c`, `perl -e`,
  `env -S`, `cmd /c`, `ssh`, ...): a script reads the values from the environment,
  where every run has them (AUDITUI_MODEL, AUDITUI_SUITE, AUDITUI_CONFIG, AUDITUI_OUTPUT).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from auditui.core.base.errors import AuditError

# Placeholder name -> the environment variable every run carries its value in.
ENVIRONMENT = {
    "model": "AUDITUI_MODEL",
    "suite": "AUDITUI_SUITE",
    "config": "AUDITUI_CONFIG",
    "output": "AUDITUI_OUTPUT",
}
_PLACEHOLDER = re.compile(r"\{(model|suite|config|output)\}")


@dataclass(frozen=True)
class Interpreter:
    """A program that runs code given in its arguments, as far as its own options go.

    `code`: short option letters whose argument is code (`c` for `sh -c`, also inside
    a cluster like `-ec`); `long`: long options whose argument is code. `values`,
    `long_values`: its options that take the next word (so a value is not mistaken for
    its script file). `ends`: letters after which the arguments belong to something
    else (`python -m`). `assigns`: NAME=VALUE words may precede its program (`env`).
    `whole`: every word after the program is a command line (`cmd /c`, `ssh host ...`).
    `reads`: how a script in it reads a variable (for the hint)."""

    code: str = ""
    long: tuple[str, ...] = ()
    values: str = ""
    long_values: tuple[str, ...] = ()
    ends: str = ""
    assigns: bool = False
    whole: bool = False
    reads: str = "the environment variable %s"


_SHELL = Interpreter(code="c", values="oO", long_values=("--rcfile", "--init-file"), reads='"$%s"')
_JS = Interpreter(
    code="ep",
    long=("--eval", "--print"),
    values="r",
    long_values=("--require", "--import", "--loader"),
    reads="process.env.%s",
)
_WHOLE = Interpreter(whole=True)
INTERPRETERS: dict[str, Interpreter] = {
    **dict.fromkeys("sh bash zsh dash ksh mksh pdksh ash yash posh csh tcsh".split(), _SHELL),
    "fish": Interpreter(code="cC", long=("--command", "--init-command"), reads='"$%s"'),
    "expect": Interpreter(code="c", reads="$env(%s)"),
    "script": Interpreter(code="c", long=("--command",), values="EIOTBm", reads='"$%s"'),
    "python": Interpreter(code="c", values="WX", ends="m", reads='os.environ["%s"]'),
    "pypy": Interpreter(code="c", values="WX", ends="m", reads='os.environ["%s"]'),
    "perl": Interpreter(code="eE", values="IMm", reads="$ENV{%s}"),
    "ruby": Interpreter(code="e", values="IrCE", reads='ENV["%s"]'),
    **dict.fromkeys(("node", "nodejs", "bun"), _JS),
    "npx": Interpreter(code="c", long=("--call",), values="p", long_values=("--package",)),
    "php": Interpreter(code="rBRE", values="cdz", reads='getenv("%s")'),
    **dict.fromkeys(("lua", "luajit"), Interpreter(code="e", values="l", reads='os.getenv("%s")')),
    "rscript": Interpreter(code="e", reads='Sys.getenv("%s")'),
    "osascript": Interpreter(code="e", values="l", reads='system attribute "%s"'),
    "env": Interpreter(
        code="S",
        long=("--split-string",),
        values="uC",
        long_values=("--unset", "--chdir"),
        assigns=True,
    ),
    "cmd": Interpreter(whole=True, reads="%%%s%%"),
    **dict.fromkeys(("pwsh", "powershell"), Interpreter(whole=True, reads="$env:%s")),
    **dict.fromkeys("ssh watch su runuser flock parallel".split(), _WHOLE),
}


def split(command: str) -> tuple[str, ...]:
    """The command's words, split once, refused whole before anything runs if a
    placeholder could name the program or reach code an interpreter runs."""
    try:
        words = tuple(shlex.split(command))
    except ValueError as exc:
        raise AuditError(
            f"[evals.runner] command cannot be split into words: {exc}",
            "hint: close the quote, or escape it with a backslash",
        ) from None
    if not words:
        raise AuditError(
            "[evals.runner] command is empty", "hint: see docs/policy.md, [evals.runner]"
        )
    if found := _PLACEHOLDER.search(words[0]):
        raise AuditError(
            f"[evals.runner] command: {found.group()} names the program to run ({words[0]})",
            f"hint: name a fixed program and pass {found.group()} as one of its arguments",
        )
    for code in code_spans(words):
        for word in words[code.start : code.end]:
            if found := _PLACEHOLDER.search(word):
                raise _in_code(found.group(1), words, code)
    return words


class Code(NamedTuple):
    """Words an interpreter runs as code: `words[program]` is the interpreter, and
    `words[start:end]` its inline code and everything after it (`sh -c`, to the end of
    the command: the rest are the script's arguments) or the one word naming its
    script file or module (`python3 FILE`, `python3 -m MODULE`)."""

    program: int
    start: int
    end: int
    interpreter: Interpreter


def code_spans(words: tuple[str, ...]) -> Iterator[Code]:
    """Every span of code an interpreter in the command is given. Interpreters are found
    anywhere in it, so `env sh -c`, `timeout 60 bash -c` and `/usr/bin/python3 -c` all
    count."""
    for i, word in enumerate(words):
        interpreter = INTERPRETERS.get(program_name(word))
        if interpreter is None:
            continue
        if interpreter.whole:
            yield Code(i, i + 1, len(words), interpreter)
        elif span := _code_after(words, i + 1, interpreter):
            yield Code(i, *span, interpreter)


def program_name(word: str) -> str:
    """`/usr/bin/Python3.12.exe` -> `python`: the name an interpreter is known by."""
    name = re.split(r"[\\/]", word)[-1].lower().removesuffix(".exe")
    return name.rstrip("0123456789.")


def _code_after(words: tuple[str, ...], j: int, interpreter: Interpreter) -> tuple[int, int] | None:
    """Read the interpreter's own options from `words[j]`: the span its code option
    opens, or the word naming its script (the first word that is not an option, or the
    one after `--`) or module, or None when the command ends first."""
    while j < len(words) and words[j].startswith(("-", "+")) and words[j] not in ("-", "+"):
        word = words[j]
        if word == "--":
            return (j + 1, j + 2) if j + 1 < len(words) else None
        if word.startswith("--"):
            name = word.partition("=")[0]
            if name in interpreter.long:
                return j, len(words)
            j += 2 if name in interpreter.long_values and "=" not in word else 1
            continue
        step = 1
        for k, letter in enumerate(word[1:], start=1):
            last = k == len(word) - 1
            if letter in interpreter.code:
                return j, len(words)
            if letter in interpreter.ends:  # `-m MODULE` or `-mMODULE` names the code
                return (j + 1, j + 2) if last and j + 1 < len(words) else (j, j + 1)
            if letter in interpreter.values:  # the rest of the word, or the next word
                step = 2 if last else 1
                break
        j += step
    while interpreter.assigns and j < len(words) and "=" in words[j]:
        j += 1
    return (j, j + 1) if j < len(words) else None


def _in_code(name: str, words: tuple[str, ...], code: Code) -> AuditError:
    runs = shlex.join(words[code.program : code.start + 1])  # `sh -c`, `python3 {model}`
    variable = ENVIRONMENT[name]
    return AuditError(
        f"[evals.runner] command puts {{{name}}} into what `{runs}` runs as code: "
        "the value would be run, not passed as data",
        f"hint: read it from the environment instead: {code.interpreter.reads % variable} "
        "(set for every run)",
    )


def argv(words: tuple[str, ...], values: Mapping[str, str]) -> list[str]:
    """The words with each placeholder filled by its value, each word still one
    argument: the substitution is one pass, so a value is never read again."""
    checked(values)
    out = [words[0]]
    for word in words[1:]:
        leading = _PLACEHOLDER.match(word)
        if leading and values[leading.group(1)].startswith("-"):
            name = leading.group(1)
            raise AuditError(
                f"{name} '{values[name]}' begins with '-': as the start of an "
                "argument of [evals.runner] command it would be read as an option",
                f"hint: put it after an option's '=' in the command (like "
                f"--{name}={{{name}}}), which takes any value",
            )
        out.append(_PLACEHOLDER.sub(lambda m: values[m.group(1)], word))
    return out


def environment(values: Mapping[str, str]) -> dict[str, str]:
    """The runner's environment: ours, plus each value under its documented name."""
    checked(values)
    return {**os.environ, **{ENVIRONMENT[name]: value for name, value in values.items()}}


def checked(values: Mapping[str, str]) -> None:
    """Every value can be an argument and an environment variable as it is: no NUL
    (it would end the string early), nothing the file system encoding cannot write."""
    for name, value in values.items():
        try:
            bad = b"\0" in os.fsencode(value)
        except UnicodeEncodeError:
            bad = True
        if bad:
            raise AuditError(
                f"{name} '{value}' cannot be given to [evals.runner] command as "
                "it is (a NUL byte, or text that is not valid)",
                f"hint: rename the {name}",
            )


def by_hand(command: list[str], values: Mapping[str, str]) -> str:
    """The shell line that runs `command` as auditui did, values in the environment
    (for a hint: every word quoted)."""
    env = [f"{ENVIRONMENT[name]}={shlex.quote(value)}" for name, value in values.items()]
    return " ".join([*env, shlex.join(command)])
