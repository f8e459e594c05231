"""Static extraction on a synthetic bundle shaped like the real one."""

from auditor import extract, targets
from auditor.bundle import Bundle, Module

from builders import NAMES_A, NAMES_B, cli_js

TARGET = targets.get("claude-code")


def facts(source: bytes, version: str = "1.0.0") -> dict:
    return extract.extract(Bundle("cli.js", (Module("cli.js", source.decode(), True),)), TARGET, version)


def test_sections_with_their_conditions():
    f = facts(cli_js())
    assert set(f["prompt_section"]) == {"anti_verbosity", "language", "memory"}
    assert f["prompt_section"]["anti_verbosity"].startswith("Length limits")
    condition = f["section_condition"]["anti_verbosity"]
    assert '"opus-4-6"' in condition and "quiet_salted_ember" in condition, condition
    assert f["section_condition"]["language"] == ""


def test_minifier_renames_change_nothing():
    assert facts(cli_js(NAMES_A)) == facts(cli_js(NAMES_B))


def test_flags_with_defaults_and_telemetry_events_are_not_flags():
    f = facts(cli_js())
    assert f["flag"] == {"tengu_quiet_flag": "false"}


def test_short_facts():
    f = facts(cli_js())
    assert "claude-opus-4-6" in f["model"]
    assert "interleaved-thinking-2025-05-14" in f["beta"]
    assert "CLAUDE_CODE_FOO_MODE" in f["env"]
    assert f["tool"] == {"Read": "Read files from the local filesystem when the user asks you to look at them."}
    assert f["limit"]["budget_tokens"] == "1024" and f["limit"]["max_tokens"] == "32000"


def test_request_code_and_long_strings():
    f = facts(cli_js())
    codes = list(f["request_code"].values())
    assert any("max_tokens:32000" in c for c in codes), codes
    assert any(t.startswith("Reads a file from the local filesystem") for t in f["string"].values())


def test_a_response_message_stub_whose_request_field_is_null_is_no_request_code():
    """`{…,context_management:null}` in a stub of the API's response message (a transcript entry, a stream
    event) sets no request parameter: only functions that set one are request code."""
    stub = b'function mkStub(q,r){return{type:"assistant",message:{id:r(),role:"assistant",stop_reason:"tool_use",content:q,context_management:null}}}\n'
    sets = b'function mkReq(q){return{model:q.model,context_management:q.edits?{edits:q.edits}:void 0,messages:q.messages}}\n'
    codes = list(facts(cli_js() + stub + sets)["request_code"].values())
    assert not any("stop_reason" in c for c in codes), codes
    assert any("context_management:" in c and "edits" in c for c in codes), codes


def test_release_version_and_build_stamp_are_not_differences():
    def release(version: str, stamp: str, sha: str) -> dict:
        source = cli_js().replace(b"after many lines", f"after many lines in {version}".encode())
        build = f'messages:q.messages,build:{{VERSION:"{version}",BUILD_TIME:"{stamp}",GIT_SHA:"{sha}"}}}}'
        return facts(source.replace(b"messages:q.messages}", build.encode()), version)

    assert release("1.0.0", "2026-04-15T03:02:38Z", "a" * 40) == release("1.0.1", "2026-04-21T17:58:52Z", "b" * 40)


NEWER = b"""function nws(o){return"You are an interactive agent that helps users with software engineering tasks."}
function kws(e,o){let R=q6n(),H=[["intro",nws(o.opening)],["session_guidance",MS(y.guidance,R.guidance)],["tone",MS(y.t,R.t)]];return H}
var m=new Map([["not_a_section",1],["other",2]]);
var ce=p(()=>c({$schema:n().optional().describe("JSON Schema reference"),apiKeyHelper:()=>n().optional().describe("Path to a script that outputs authentication values"),model:n().optional()}));
"""


def test_newer_section_lists_and_lazy_settings_schema():
    f = facts(NEWER)
    assert f["prompt_section"] == {
        "intro": "You are an interactive agent that helps users with software engineering tasks.",
        "session_guidance": "",
        "tone": "",
    }
    assert f["setting"] == {"$schema": "JSON Schema reference", "apiKeyHelper": "Path to a script that outputs authentication values", "model": ""}


NESTED = b"""var net=L(()=>y.object({allowedDomains:y.array(y.string()).optional(),deniedDomains:y.array(y.string()).optional().describe("Domains that are always blocked")}));
var box=L(()=>y.object({enabled:y.boolean().optional(),network:net().optional().describe("Network rules"),bwrapPath:y.string().optional().describe("Path to bwrap")}));
var ce=p(()=>y.object({apiKeyHelper:y.string().optional().describe("Path to a script"),sandbox:box().optional(),worktree:y.object({baseRef:y.string().optional().describe("Which ref")}).optional(),skillOverrides:y.record(y.string(),y.object({on:y.boolean()})).optional()}));
var gates={autoMode:{buildGate:()=>!0,shape:()=>({autoMode:y.object({hard_deny:y.array(y.string()).optional().describe("Hard block rules")}).optional()}),permissionsShape:()=>({disableAutoMode:y.enum(["disable"]).optional().describe("Disable auto mode")})}};
var unrelated={shape:()=>({notASetting:1})};
"""


def test_nested_and_gated_settings_are_dotted_paths():
    f = facts(NESTED)["setting"]
    assert f["sandbox.network.deniedDomains"] == "Domains that are always blocked"
    assert f["sandbox.network"] == "Network rules"  # its own description, not its last key's
    assert f["sandbox.bwrapPath"] == "Path to bwrap" and f["worktree.baseRef"] == "Which ref"
    assert f["autoMode.hard_deny"] == "Hard block rules" and f["permissions.disableAutoMode"] == "Disable auto mode"
    assert "skillOverrides.on" not in f  # a record's keys are the user's, not settings
    assert "notASetting" not in f  # a shape with no feature gate is no settings shape


# What a text is made of, followed as the bundle builds it (issue 17): a line held in a module-level
# constant, a tool description behind calls and constants, lines joined into one text, system reminders.
FOLLOWED = """var COMM="Communication: Output text directly (NOT echo/printf)",EDIT="Edit",TODO="TodoWrite",MEM="memory_list";
function bul(e){return e.map((t)=>"  - "+t)}
function inst(){return["# Instructions","Use the dedicated tools whenever they can do the job for you.",...bul([COMM])].join(`
`)}
function edb(m){return`Performs exact string replacement in a file.
- You must read the file in this conversation before editing it.`}
function edf(m){return edb(m)}
var TA='Create and update a task list for the current session, rendered as your plan.',TB="Update the todo list for the current session to track your progress.";
function pick(m){return m?TA:TB}
var MEMD=[`List the memory documents in a memory store, sorted by their path.`,"",`Call ${MEM} early when context about the project would help.`].join(`
`);
var tools=[{name:EDIT,async prompt({model:e}){return edf(e)}},{name:TODO,async prompt({model:e}){return pick(e)}},{name:MEM,async prompt(){return MEMD}}];
function sbx(){return["Evidence of sandbox-caused failures includes:","Access denied to specific paths","Network connection failures","Unix socket connection errors"].join(`
`)}
var att={hook_success:(e)=>[msg({content:`${e.hookName} hook success: ${e.content}`,isMeta:!0})],ui_note:(e)=>[msg({content:"just a label here",isMeta:!1})],
diag:(e)=>`<new-diagnostics>The following new diagnostic issues were detected:

${e.summary}</new-diagnostics>`};
"""


def test_constants_calls_joined_lines_and_reminders_are_followed():
    f = facts(FOLLOWED.encode())
    assert "Communication: Output text directly (NOT echo/printf)" in f["prompt_section"]["# Instructions"]
    assert f["tool"]["Edit"].startswith("Performs exact string replacement in a file.")
    assert "Create and update a task list" in f["tool"]["TodoWrite"] and "Update the todo list" in f["tool"]["TodoWrite"]
    assert f["tool"]["memory_list"] == (
        "List the memory documents in a memory store, sorted by their path.\n\nCall ${…} early when context about the project would help."
    )
    strings = set(f["string"].values())
    evidence = "Evidence of sandbox-caused failures includes:\nAccess denied to specific paths\nNetwork connection failures\nUnix socket connection errors"
    assert evidence in strings  # one text, not four fragments
    assert not any(s.startswith("Access denied") for s in strings)
    assert "${…} hook success: ${…}" in strings  # a reminder, however short
    assert "just a label here" not in strings  # not a meta message
    assert "<new-diagnostics>The following new diagnostic issues were detected:\n\n${…}</new-diagnostics>" in strings


def test_followed_texts_do_not_depend_on_minified_names():
    renamed = FOLLOWED
    for old, new in (("COMM", "Qx"), ("edb", "k9"), ("edf", "zz"), ("pick", "Pp"), ("MEMD", "m1"), ("TA", "Ab"), ("TB", "Bc"), ("bul", "Gq")):
        renamed = renamed.replace(old, new)
    assert facts(renamed.encode()) == facts(FOLLOWED.encode())


def test_hostile_joins_and_self_references_end():
    source = 'var A=[A,"Some words that go on for a while, then stop here."].join("\\n");function f(){return f()+A}var t={name:"T",async prompt(){return f()}};[1,2].join('
    f = facts(source.encode())
    assert f["tool"]["T"] == "${…}\nSome words that go on for a while, then stop here."


def test_a_long_chain_of_joined_arrays_is_cut_not_a_crash():
    # each array names the next one declared, so reading the first would go 3,000 deep
    chain = ";".join(f'var a{i}=[a{i + 1},"one more line of words in a long chain"].join("\\n")' for i in range(3000))
    source = f'{chain};var a3000="The last line of the chain of many words";var t={{name:"T",async prompt(){{return a0}}}};'
    text = facts(source.encode())["tool"]["T"]
    assert text.startswith("${…}\none more line") and 1 <= text.count("one more line") <= 9


def test_literals_joined_by_plus_are_one_text():
    """The minifier keeps a long message's source lines apart (`Agent '${a}' would be spawned with zero tools. ` +
    `Its tools list …`): the text is their whole, not its first line nor each line. A `"+"` inside a string
    joins nothing, nor does a literal beside an expression; a hostile run of thousands of pieces is cut, not a crash."""
    source = (
        'function spawn(e,n){if(!n.length)throw new Error(`Agent \'${e.agentType}\' would be spawned with zero tools. `+'
        '"Its tools list resolved to nothing: "+`${n}. Fix the agent\'s tools frontmatter or pass a different subagent_type.`)}'
        'var sum="Adds one value to another, written as a+b in the notes of this long example.";'
        'var half="First half of a sentence that is long enough to be a prompt string"+count+" and never joined to this one."'
    )
    strings = set(facts(source.encode())["string"].values())
    whole = "Agent '${…}' would be spawned with zero tools. Its tools list resolved to nothing: ${…}. Fix the agent's tools frontmatter or pass a different subagent_type."
    assert whole in strings
    assert not any(s.startswith("Agent") and s != whole for s in strings)  # nor its first line alone
    assert "Adds one value to another, written as a+b in the notes of this long example." in strings
    assert "First half of a sentence that is long enough to be a prompt string" in strings
    run = "+".join(f'"piece {i} of a run of words joined in one very long hostile expression "' for i in range(5000))
    hostile = facts(f"var h={run};".encode())["string"].values()
    assert hostile and all(len(s) < 80 * 201 for s in hostile)


TOOL_SCHEMAS = (
    'var z={object:(e)=>e,string:()=>z,boolean:()=>z,enum:()=>z};var be=(f)=>f;'
    'var base=be(()=>z.object({prompt:z.string().describe("The task for the agent to perform"),'
    'subagent_type:z.string().optional().describe("The type of specialized agent to use")}));'
    'function pick(g){return g?teams(g):base()}'
    'function teams(g){return z.object({team_name:z.string().describe("Team to join")})}'
    'var full=be(()=>{let e=z.object({mode:z.enum(["plan"]).optional().describe(\'Permission mode for spawned teammate (e.g., "plan").\'),'
    'steps:z.array(z.object({label:z.string().describe("A step label")})),'
    'quiet:z.boolean()});return pick(1).merge(e).extend({...gate&&{notify_when_idle:z.boolean().optional().describe("Ask to be told when it goes idle.")}})});'
    'var agent=Ri({async prompt(){return"Launch a new agent to handle complex, multi-step tasks."},name:"Agent",'
    'aliases:["Task"],get inputSchema(){return full()}});'
    'var read={name:"Read",get inputSchema(){return none()},async prompt(){return"Reads a file from the local filesystem."}};'
)


def test_a_tools_parameters_are_read_from_its_input_schema():
    """What the model may pass a tool is in its schema, gated or not: each key of the zod objects its
    `inputSchema` getter builds (and the schemas those build on, through lazy bindings and functions) with
    a `.describe("…")` of its own, as "`name`: description" lines after the prompt, by name. The tool's name
    is the object's own, after its prompt too (Agent's), not the last `name:` before it."""
    tools = facts(TOOL_SCHEMAS.encode())["tool"]
    assert tools["Agent"] == (
        "Launch a new agent to handle complex, multi-step tasks.\n\n"
        "`label`: A step label\n"
        '`mode`: Permission mode for spawned teammate (e.g., "plan").\n'
        "`notify_when_idle`: Ask to be told when it goes idle.\n"
        "`prompt`: The task for the agent to perform\n"
        "`subagent_type`: The type of specialized agent to use\n"
        "`team_name`: Team to join"
    )  # `steps` has no description of its own (its item's is `label`'s), `quiet` none at all
    assert extract.parameters(tools["Agent"]) == ["label", "mode", "notify_when_idle", "prompt", "subagent_type", "team_name"]
    assert tools["Read"] == "Reads a file from the local filesystem."  # a schema that cannot be found: the prompt alone
    assert extract.parameters("`not a name`: x\n`ok_name` no colon\nprose `mid_line`: no") == []


def test_hostile_tool_schemas_end():
    """The vendor's program is untrusted: a schema that builds on itself, a chain deeper than is followed,
    one built on thousands of others and one of thousands of parameters are read in bounded time, capped."""
    many = ",".join(f'p{i}:z.string().describe("parameter number {i}")' for i in range(5000))
    chain = ";".join(f"var s{i}=be(()=>s{i + 1}().extend({{k{i}:z.string().describe(\"key {i}\")}}))" for i in range(50))
    calls = ".".join(f"extend(c{i}())" for i in range(3000))
    built = ";".join(f'var c{i}=be(()=>z.object({{q{i}:z.string().describe("built {i}")}}))' for i in range(3000))
    source = (
        f'{built};var fan=be(()=>z.object({{}}).{calls});var t4={{name:"Fan",async prompt(){{return"Builds on thousands."}},get inputSchema(){{return fan()}}}};'
        'var be=(f)=>f;var loop=be(()=>loop().extend({a_b:z.string().describe("Self-built")}));'
        f'var wide=be(()=>z.object({{{many}}}));{chain};var s50=be(()=>z.object({{deep:z.string().describe("too deep")}}));'
        'var t1={name:"Loop",async prompt(){return"Loops on itself forever."},get inputSchema(){return loop()}};'
        'var t2={name:"Wide",async prompt(){return"Has too many parameters."},get inputSchema(){return wide()}};'
        'var t3={name:"Deep",async prompt(){return"Builds on a long chain."},get inputSchema(){return s0()}};'
    )
    tools = facts(source.encode())["tool"]
    assert extract.parameters(tools["Loop"]) == ["a_b"]
    assert len(extract.parameters(tools["Wide"])) == 100
    assert extract.parameters(tools["Deep"]) == ["k0", "k1", "k2", "k3"]  # the getter's schema and three it builds on
    assert len(extract.parameters(tools["Fan"])) == 49  # 50 schemas read: the getter's and 49 of the 3,000 it calls


def test_a_call_of_a_name_the_prompt_binds_itself_is_not_followed():
    """The minifier reuses short names: `_` is a module's function and, in a tool's prompt, the parameter
    holding the permission context (`prompt({getToolPermissionContext:_}){let Y=await _()…}`). Calling
    the parameter or a local is no call of the module's function, nor is using one (`fA`, or `of` in
    `for(let j of q)`, a keyword) a use of the module's constant of that name: their text is not the tool's."""
    source = (
        'function _(){return"[extractMemories] skipping, no user prose since the last extraction run"}'
        'function Y(){return"Anthropic API fixture missing. Re-run tests with VCR_RECORD=1, then commit."}'
        'function build(e){return"Launch a new agent to handle complex, multi-step tasks."}'
        'var of="[Request interrupted by user for tool use]",fA="wiLow wiNormal wiHigh ";'
        'var t={name:"Agent",async prompt({agents:q,getToolPermissionContext:_}){let Y=await _(),A=[],fA=q.mode;'
        'for(let j of q)A.push(j,fA);return build(Y(q))}};'
    )
    assert facts(source.encode())["tool"]["Agent"] == "Launch a new agent to handle complex, multi-step tasks."


def test_a_hostile_prompt_binding_many_names_is_read_in_one_pass():
    """The vendor's program is untrusted: a prompt with 50,000 parameters and 200,000 declarations (its
    parameter list is looked for within a bounded reach, its declarations in one pass) still yields the text."""
    declared = ",".join(f"v{i}=1" for i in range(200_000))
    params = ",".join(f"p{i}" for i in range(50_000))
    source = (
        'function build(){return"Launch a new agent to handle complex, multi-step tasks."}'
        f'var t={{name:"Agent",async prompt({{{params}}}){{let {declared};return build()}}}};'
    )
    assert facts(source.encode())["tool"]["Agent"] == "Launch a new agent to handle complex, multi-step tasks."
