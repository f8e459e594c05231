"""Extraction that is stable across builds: the same program written the ways a minifier writes it
(a literal inline or bound to a name first, one bundle or many chunks that reuse short names) gives
the same facts, and nothing else is taken for one."""

from auditor import extract, targets
from auditor.bundle import Bundle, Module

TARGET = targets.get("claude-code")


def chunks(*texts: str) -> Bundle:
    """A native build: chunk modules that import each other by their embedded paths."""
    modules = tuple(Module("chunk.js", text, True, f"/$bunfs/root/chunk-{i:08d}.js") for i, text in enumerate(texts))
    return Bundle("claude", modules)


def facts_of(bundle: Bundle) -> dict:
    return extract.extract(bundle, TARGET, "1.0.0")


def one(text: str) -> dict:
    return facts_of(chunks(text))


GATE = "function ef(e,o){return cache.get(e)??o}function log(e,o){send(e,o)}"


def test_a_flag_read_through_a_bound_name_is_the_flag_read_inline():
    inline = one(GATE + 'function jn(){return ef("tengu_warm_sunrise",!1)}log("tengu_started",{a:1});log("tengu_done",{b:2})')
    bound = one(GATE + 'var qn="tengu_warm_sunrise";function jn(){return ef(qn,!1)}log("tengu_started",{a:1});log("tengu_done",{b:2})')
    assert inline["flag"] == bound["flag"] == {"tengu_warm_sunrise": "false"}


def test_a_flag_bound_in_one_chunk_and_read_in_another():
    shared = 'var Lt="tengu_cozy_parasol";export{Lt as Q}'
    reader = 'import{Q as Lt}from"/$bunfs/root/chunk-00000000.js";' + GATE + "function Mt(){return ef(Lt,!0)}"
    other = 'function z(){let Lt="unrelated text";return log(Lt,{x:1})}'  # the same short name, another scope
    assert facts_of(chunks(shared, reader, other))["flag"] == {"tengu_cozy_parasol": "true"}


def test_gates_read_as_methods_optional_calls_and_with_options():
    f = one(
        GATE
        + 'function a(){return G.read("tengu_a",null)}function b(){return T?.("tengu_b",!1)}'
        + 'function c(){return store()?.cached("tengu_c",!0)}function d(){return ef("tengu_d",{safe:"off",others:[]})}'
        + 'function e(x){return ef("tengu_e",x)}function g(){return ef("tengu_g",{safe:!0})}'
    )
    assert f["flag"] == {"tengu_a": "null", "tengu_b": "false", "tengu_c": "true", "tengu_d": '"off"', "tengu_e": "", "tengu_g": "true"}


def test_telemetry_events_are_not_flags_in_any_chunk():
    logger = "function a(e,o){send(e,o)}export{a}"
    caller = 'import{a as d}from"/$bunfs/root/chunk-00000000.js";d("tengu_x_saved",{});d("tengu_y",{k:1});d("tengu_z",{k:2})'
    assert facts_of(chunks(logger, caller))["flag"] == {}


TOOL = 'var {n}={{name:{name},async prompt(){{return"{text}"}}}};'


def test_a_tool_named_by_a_constant_of_another_chunk():
    names = 'var Iy="TodoWrite";export{Iy}'
    tool = 'import{Iy}from"/$bunfs/root/chunk-00000000.js";' + TOOL.format(n="Sn", name="Iy", text="Use this tool to keep a todo list.")
    collide = 'var Iy="not a tool name at all";function f(){return Iy}'  # another chunk's own Iy
    assert facts_of(chunks(names, tool, collide))["tool"] == {"TodoWrite": "Use this tool to keep a todo list."}
    # without the import, a binding in another chunk says nothing about the name
    assert facts_of(chunks(names + ";", tool.replace("import{Iy}", "import{Ix}")))["tool"] == {}


def test_sections_rendered_through_a_shared_helper():
    src = (
        'var Kx="When the user asks about a file, read it before you answer: never guess what a file says.";'
        'function Tks(){return"Write for a teammate who stepped away and is catching up on the work."}'
        'var Xw="Context is cleared as the conversation grows: keep notes of what matters in files.";'
        "function q6n(e){return{guidance:(r)=>r?Kx:null,communication:Tks,memory:(r)=>r,contextManagement:()=>Xw}}"
        "function MS(e,o){return e.isReplayed?e.text:o(e.decision)}"
        'function kws(e,y){let R=q6n(e),H=[["session_guidance",MS(y.guidance,R.guidance)],'
        '["communication",MS(y.communication,R.communication)],["memory",MS(y.memory,R.memory)],'
        '["context_management",MS(y.contextManagement,R.contextManagement)]];return H}'
    )
    sections = one(src)["prompt_section"]
    assert sections["session_guidance"].startswith("When the user asks about a file")
    assert sections["communication"].startswith("Write for a teammate")
    assert sections["context_management"].startswith("Context is cleared")
    assert sections["memory"] == ""  # its text is the decision itself, made at run time


def test_env_vars_read_through_a_typed_env_object():
    f = one(
        'function f(){if(y8.CLAUDE_CODE_ACCESSIBILITY)return 1;return process.env.CLAUDE_CODE_DEBUG_REPAINTS}'
        'var schema={CLAUDE_CODE_HIDE_CWD:()=>h};var msg="set CLAUDE_CODE_NOT_READ_HERE=1 to see more of it";'
        "var fn=window.MAX_VALUE_OF_X"
    )
    assert set(f["env"]) == {"CLAUDE_CODE_ACCESSIBILITY", "CLAUDE_CODE_DEBUG_REPAINTS", "CLAUDE_CODE_HIDE_CWD"}


def test_shell_and_metrics_text_is_not_a_prompt_heading():
    src = (
        'function p(){return"# Language\\nAlways respond in the language the user writes in, whatever it is."}'
        'function s(){return"# HTTPS_PROXY is intentionally NOT set here\\n# the relay port is ephemeral\\nexport A=1\\n"}'
        'function m(){return"# TYPE claude_code_info gauge\\nclaude_code_info 1"}'
        'function r(){return["# Check for rg availability","echo \\"if x; then\\" >> \\"$SNAPSHOT_FILE\\"","echo fi >> \\"$F\\""].join("\\n")}'
    )
    assert list(one(src)["prompt_section"]) == ["# Language"]


def test_a_regex_after_a_spread_keeps_the_literals_after_it():
    text = "A sentence long enough to count as a prompt string in the facts of this release."
    src = r'var l=[o,.../^[\\/]{2}/.test(p)?x.map((d)=>d.replace(/[\\/]+/g,"/")):[]];var t="' + text + '";'
    assert text in one(src)["string"].values()


def test_a_tool_description_held_by_a_long_constant():
    description = "Replaces, inserts, or deletes a single cell in a Jupyter notebook. " * 5  # longer than 200 characters
    src = f'var Ks="NotebookEdit",Dx=`{description}`;var T={{name:Ks,async prompt(){{return Dx}}}};'
    assert one(src)["tool"] == {"NotebookEdit": description}


# The settings schema written with zod's namespace (`y.object({…})`, to 2.1.223), with its functions
# imported one by one (`Se({…})`, `$()`, 2.1.224 on), or as an object of thunks passed to no call
# (`{sandbox:()=>ue(()=>box()),…}`, 2.1.332), in one chunk or several: the same settings.
SETTINGS = (
    'var net=L(()=>y.object({deniedDomains:y.array(y.string()).optional().describe("Domains that are always blocked")}));'
    'var box=L(()=>y.object({enabled:y.boolean().optional(),network:net().optional().describe("Network rules")}));'
    'var helper=L(()=>y.object({path:y.string().describe("Helper path")}));'
    'function cfg(e){return y.object({apiKeyHelper:y.string().optional().describe("Path to a script"),sandbox:box().optional(),'
    "policyHelper:helper().optional(),"
    'permissions:rules(e).optional().describe("Permission rules"),'
    'worktree:y.object({baseRef:y.string().optional().describe("Which ref")}).optional(),'
    "skillOverrides:y.record(y.string(),y.object({on:y.boolean()})).optional()})}"
    'function rules(e){return y.object({allow:y.array(y.string()).optional().describe("Allowed rules")})}'
)
THUNKS = (
    'import{o as u,s as r,a as O,b as M,r as Te}from"/$bunfs/root/chunk-00000000.js";function ue(e){let n;return new Tt(()=>n??=e())}'
    'var net=p(()=>u({deniedDomains:O(r()).optional().describe("Domains that are always blocked")}));'
    'var box=p(()=>u({enabled:M().optional(),network:ue(()=>net()).describe("Network rules")}));'
    'var helper=p(()=>u({path:r().describe("Helper path")}));'
    'function cfg(e){let a=(l,c)=>l.catch(void 0);return{apiKeyHelper:()=>r().optional().describe("Path to a script"),'
    "sandbox:()=>ue(()=>box()),policyHelper:()=>a(helper().optional(),(l)=>l),"
    'permissions:()=>ue(()=>rules(e)).describe("Permission rules"),'
    'worktree:()=>{let l=u({baseRef:r().optional().describe("Which ref")});return l.optional()},'
    "skillOverrides:()=>Te(r(),u({on:M()})).optional()}}"
    'function rules(e){return u({allow:O(r()).optional().describe("Allowed rules")})}'
)
GATED = 'var gates={autoMode:{buildGate:()=>!0,shape:()=>({autoMode:y.object({hard_deny:y.array(y.string()).optional().describe("Hard rules")}).optional()})}};'
ZOD = 'function Se(e,t){return new Zo({type:"object",shape:e,...t})}function $(){return new Zs}function dt(e){return new Za(e)}function Ot(){return new Zb}function Pn(e,t){return new Zr(e,t)}export{Se as o,$ as s,dt as a,Ot as b,Pn as r}'


def functions(text: str, obj: str) -> str:
    """The schema written with imported functions: `obj({…})` for `y.object({…})`, and so on."""
    for method, name in (("object", obj), ("string", "$"), ("array", "dt"), ("boolean", "Ot"), ("record", "Pn")):
        text = text.replace(f"y.{method}(", f"{name}(")
    return f'import{{o as {obj},s as $,a as dt,b as Ot,r as Pn}}from"/$bunfs/root/chunk-00000000.js";{text}'


EXPECTED = {
    "apiKeyHelper": "Path to a script", "sandbox": "", "sandbox.enabled": "", "sandbox.network": "Network rules",
    "sandbox.network.deniedDomains": "Domains that are always blocked", "policyHelper": "", "policyHelper.path": "Helper path",
    "permissions": "Permission rules",
    "permissions.allow": "Allowed rules", "worktree": "", "worktree.baseRef": "Which ref", "skillOverrides": "",
    "autoMode": "", "autoMode.hard_deny": "Hard rules",
}


def test_settings_in_objects_built_by_an_imported_function_are_found():
    namespace = one(SETTINGS + GATED)["setting"]
    # the object function is `Se` where the schema is and `c` where the feature-gated shape is
    imported = facts_of(chunks(ZOD, functions(SETTINGS, "Se"), functions(GATED, "c")))["setting"]
    assert imported == namespace and "sandbox.network.deniedDomains" in imported
    # a value built by another function than the schema's is no object of settings, nor one that calls a
    # short name with arguments that is a schema or more than one function elsewhere in its chunk
    other = functions(SETTINGS, "Se").replace("sandbox:box()", 'sandbox:Ye({enabled:Ot()}),market:o("m").optional()')
    other += "var o=L(()=>Se({type:$()}));function o(e){return Se({tool:$()})}function o(e){return Pn($(),$())}"
    found = facts_of(chunks(ZOD, other))["setting"]
    assert "market" in found and not [key for key in found if key.startswith(("sandbox.", "market."))]


def test_settings_in_a_schema_of_thunks():
    assert facts_of(chunks(ZOD, THUNKS, functions(GATED, "c")))["setting"] == one(SETTINGS + GATED)["setting"]


def test_settings_in_an_object_a_function_returns():
    """`permissions:rules(e)`, the object declared after the schema: its keys, and its own description."""
    assert one(SETTINGS + GATED)["setting"] == EXPECTED


def test_settings_spread_into_the_schema():
    """`...{…}` and `...COND&&{…}` (a feature or env gate of the build) add their keys to the schema's."""
    spread = '...!1,...{voiceEnabled:y.boolean().optional()},...env.X&&{xaaIdp:y.object({issuer:y.string().describe("Issuer")})},'
    found = one(SETTINGS.replace("sandbox:box().optional(),", "sandbox:box().optional()," + spread) + GATED)["setting"]
    assert found == EXPECTED | {"voiceEnabled": "", "xaaIdp": "", "xaaIdp.issuer": "Issuer"}
