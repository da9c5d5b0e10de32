//! The runner simulator, driving small fake node actions: the step environment and inputs,
//! file commands carried between steps, workflow commands, masking, post steps, timeouts.

use std::fs;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use testbench::github::GithubTokenService;
use testbench::runner::{ActionDir, Job, PostRun, Stream};

const ACTION_YML: &str = "\
name: fake
inputs:
  role-to-assume:
    required: false
  aws-region:
    required: true
  audience:
    default: sts.amazonaws.com
  my input:
    default: spaced
outputs:
  out:
    description: an output
runs:
  using: node24
  main: dist/main.js
  post: dist/post.js
  post-if: env.AWS_SKIP_CLEANUP_STEP != 'true'
";

/// A fake action in a temporary directory.
struct FakeAction {
    action: ActionDir,
    _dir: TempDir,
}

fn fake_action(main_js: &str, post_js: &str) -> FakeAction {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("dist")).unwrap();
    fs::write(dir.path().join("action.yml"), ACTION_YML).unwrap();
    fs::write(dir.path().join("dist/main.js"), main_js).unwrap();
    fs::write(dir.path().join("dist/post.js"), post_js).unwrap();
    FakeAction {
        action: ActionDir::source(dir.path()),
        _dir: dir,
    }
}

const DUMP_ENV: &str = "console.log(JSON.stringify({env: process.env, cwd: process.cwd()}));";

fn dumped(stdout: &str) -> Value {
    serde_json::from_str(stdout.lines().next().unwrap()).unwrap()
}

#[test]
fn gives_the_step_the_runners_environment() {
    let fake = fake_action(DUMP_ENV, "");
    let github = GithubTokenService::start();
    let mut job = Job::new();
    let result = job
        .step(&fake.action)
        .with("role-to-assume", " arn:aws:iam::111122223333:role/x ")
        .with("extra-thing", "given")
        .id_token(&github)
        .env("GITHUB_REF", "refs/tags/v1")
        .env_remove("GITHUB_SHA")
        .env("STEP_VAR", "s")
        .run();
    result.assert_success();
    let dump = dumped(&result.stdout);
    let env = &dump["env"];
    assert_eq!(
        env["INPUT_ROLE-TO-ASSUME"],
        " arn:aws:iam::111122223333:role/x "
    );
    assert_eq!(env["INPUT_AWS-REGION"], "");
    assert_eq!(env["INPUT_AUDIENCE"], "sts.amazonaws.com");
    assert_eq!(env["INPUT_MY_INPUT"], "spaced");
    assert_eq!(env["INPUT_EXTRA-THING"], "given");
    assert_eq!(env["ACTIONS_ID_TOKEN_REQUEST_URL"], github.request_url());
    assert_eq!(
        env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
        github.request_token()
    );
    assert_eq!(env["GITHUB_REF"], "refs/tags/v1");
    assert!(env.get("GITHUB_SHA").is_none());
    assert_eq!(env["STEP_VAR"], "s");
    assert_eq!(env["HOME"], job.home().to_str().unwrap());
    assert_eq!(env["GITHUB_WORKSPACE"], job.workspace().to_str().unwrap());
    assert_eq!(dump["cwd"], job.workspace().to_str().unwrap());
    assert_eq!(env["RUNNER_TEMP"], job.runner_temp().to_str().unwrap());
    assert_eq!(env["GITHUB_ACTIONS"], "true");
    assert_eq!(env["CI"], "true");
    assert_eq!(env["GITHUB_REPOSITORY"], "octo-org/octo-repo");
    assert_eq!(env["RUNNER_OS"], "Linux");
    for name in [
        "GITHUB_ENV",
        "GITHUB_OUTPUT",
        "GITHUB_STATE",
        "GITHUB_PATH",
        "GITHUB_STEP_SUMMARY",
    ] {
        let file = env[name].as_str().unwrap();
        assert!(
            file.starts_with(job.runner_temp().to_str().unwrap()),
            "{name}"
        );
    }
    for name in [
        "GITHUB_WORKFLOW",
        "GITHUB_ACTION",
        "GITHUB_ACTOR",
        "GITHUB_RUN_ID",
        "GITHUB_RUN_ATTEMPT",
        "GITHUB_JOB",
        "GITHUB_EVENT_NAME",
        "RUNNER_ARCH",
        "PATH",
    ] {
        assert!(env.get(name).is_some(), "{name} missing");
    }
    // Nothing of the test process leaks in besides PATH.
    assert!(env.get("CARGO_PKG_NAME").is_none());
    assert!(env.get("RUST_TEST_THREADS").is_none() && env.get("USER").is_none());
}

const MAIN_JS: &str = r#"
const fs = require('fs');
const env = process.env;
console.log('before the mask: hunter2');
console.log('::add-mask::hunter2');
console.log('after the mask: hunter2 and ' + env['INPUT_ROLE-TO-ASSUME']);
console.log('::add-mask::multi%0Aline secret');
console.log('one multi then line secret');
fs.appendFileSync(env.GITHUB_ENV, 'PLAIN=1\nMULTI<<ghadelimiter_1\nline a\nline b\nghadelimiter_1\nPLAIN=2\n');
fs.appendFileSync(env.GITHUB_OUTPUT, 'out=value\n');
fs.appendFileSync(env.GITHUB_STATE, 'key=state-value\n');
fs.appendFileSync(env.GITHUB_PATH, '/opt/tool/bin\n');
fs.appendFileSync(env.GITHUB_STEP_SUMMARY, '# summary\n');
console.log('::error file=src/a.rs,line=3,title=A%3AB::bad hunter2%0Asecond line');
console.log('::warning::careful');
console.log('::notice::fyi');
console.log('::debug::debugging');
console.log('::group::Group title');
console.log('::endgroup::');
console.log('::unknown::stays');
console.error('on stderr');
process.exitCode = Number(env.EXIT || 0);
"#;

const POST_JS: &str = r#"
const fs = require('fs');
const env = process.env;
console.log('post sees ' + env.STATE_key + ' ' + env['INPUT_ROLE-TO-ASSUME'] + ' ' + env.PLAIN);
fs.appendFileSync(env.GITHUB_ENV, 'PLAIN=\n');
"#;

#[test]
fn reads_file_commands_workflow_commands_and_masks() {
    let fake = fake_action(MAIN_JS, POST_JS);
    let mut job = Job::new();
    let result = job
        .step(&fake.action)
        .with("role-to-assume", "the-role")
        .run();
    result.assert_success();

    let pairs = |list: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        result.env,
        pairs(&[("MULTI", "line a\nline b"), ("PLAIN", "2")])
    );
    assert_eq!(result.outputs, pairs(&[("out", "value")]));
    assert_eq!(result.state, pairs(&[("key", "state-value")]));
    assert_eq!(result.path, ["/opt/tool/bin"]);
    assert_eq!(result.summary, "# summary\n");
    assert_eq!(result.masks, ["hunter2", "multi\nline secret"]);
    assert_eq!(result.errors, ["bad ***\nsecond line"]);
    assert_eq!(result.warnings, ["careful"]);
    assert_eq!(result.notices, ["fyi"]);
    assert_eq!(result.debug, ["debugging"]);
    let error = result.commands_named("error").next().unwrap();
    assert_eq!(error.properties["file"], "src/a.rs");
    assert_eq!(error.properties["title"], "A:B");
    assert_eq!(error.data, "bad hunter2\nsecond line");

    // The mask came before the first masked line, on stdout, at its byte offset.
    let mask = result.commands_named("add-mask").next().unwrap();
    assert_eq!(mask.stream, Stream::Stdout);
    assert_eq!(mask.offset, "before the mask: hunter2\n".len());
    assert!(result.stdout[mask.offset..].starts_with("::add-mask::hunter2\n"));

    // Standard error is read beside standard output, so its line may arrive anywhere in the
    // log; standard output keeps its order.
    assert_eq!(result.log().matches("on stderr\n").count(), 1);
    assert_eq!(
        result.log().replacen("on stderr\n", "", 1),
        "before the mask: hunter2\n\
         after the mask: *** and the-role\n\
         one *** then ***\n\
         ##[error]bad ***\nsecond line\n\
         ##[warning]careful\n\
         ##[notice]fyi\n\
         ##[group]Group title\n\
         ##[endgroup]\n\
         ::unknown::stays\n"
    );
    assert_eq!(job.env()["PLAIN"], "2");
    assert!(job.masks().contains(&"line secret".to_string()));

    // A later step sees the exported variables and the added path, and the job's masks.
    let next = fake_action(
        "console.log(process.env.PLAIN + ' ' + process.env.MULTI.length + ' ' + \
         process.env.PATH.split(require('path').delimiter)[0] + ' hunter2');",
        "",
    );
    let second = job.step(&next.action).run();
    assert_eq!(second.stdout, "2 13 /opt/tool/bin hunter2\n");
    assert_eq!(second.log(), "2 13 /opt/tool/bin ***\n");

    // The command helper runs with the job's environment.
    let output = job
        .command("node")
        .args(["-e", "console.log(process.env.PLAIN, process.cwd())"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("2 {}\n", job.workspace().display())
    );

    // Post steps run in reverse order: the second action has one too (an empty script).
    let posts = job.finish();
    assert_eq!(posts.len(), 2);
    let post = posts[1].result().expect("the first action's post step ran");
    post.assert_success();
    assert_eq!(post.script, "dist/post.js");
    assert_eq!(post.stdout, "post sees state-value the-role 2\n");
    assert_eq!(job.env()["PLAIN"], "");
    assert!(job.finish().is_empty());
}

#[test]
fn post_if_skips_cleanup_when_asked() {
    let fake = fake_action("", POST_JS);
    let mut job = Job::new();
    job.step(&fake.action)
        .env("AWS_SKIP_CLEANUP_STEP", "true")
        .run()
        .assert_success();
    let posts = job.finish();
    assert!(matches!(
        &posts[..],
        [PostRun::Skipped { condition }] if condition == "env.AWS_SKIP_CLEANUP_STEP != 'true'"
    ));

    let exporting = fake_action(
        "require('fs').appendFileSync(process.env.GITHUB_ENV, 'AWS_SKIP_CLEANUP_STEP=TRUE\\n');",
        POST_JS,
    );
    job.step(&exporting.action).run().assert_success();
    assert!(job.finish()[0].result().is_none());
}

#[test]
fn reports_failures_and_debug_output() {
    let fake = fake_action(MAIN_JS, "");
    let mut job = Job::new();
    let result = job
        .step(&fake.action)
        .env("EXIT", "3")
        .env("RUNNER_DEBUG", "1")
        .run();
    result.assert_failure();
    assert_eq!(result.code, Some(3));
    assert!(result.log().contains("##[debug]debugging\n"));
}

#[test]
fn kills_a_step_that_outlives_its_timeout() {
    // The step leaves a grandchild holding the output pipes; both must die.
    let fake = fake_action(
        "require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], \
         {stdio: 'inherit'}); setInterval(() => {}, 1000); console.log('started');",
        "",
    );
    let mut job = Job::new();
    let started = Instant::now();
    let result = job
        .step(&fake.action)
        .timeout(Duration::from_millis(500))
        .run();
    assert!(result.timed_out);
    assert_eq!(result.code, None);
    assert_eq!(result.stdout, "started\n");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
#[should_panic(
    expected = "wrote a malformed GITHUB_OUTPUT file (the runner would fail the step): \
                           Invalid value. Matching delimiter not found 'EOF'"
)]
fn a_malformed_file_fails_the_test() {
    let fake = fake_action(
        "require('fs').appendFileSync(process.env.GITHUB_OUTPUT, 'x<<EOF\\nvalue\\n');",
        "",
    );
    Job::new().step(&fake.action).run();
}

#[test]
fn refuses_node_options_from_github_env() {
    let fake = fake_action(
        "require('fs').appendFileSync(process.env.GITHUB_ENV, 'NODE_OPTIONS=--inspect\\nOK=1\\n');",
        "",
    );
    let mut job = Job::new();
    let result = job.step(&fake.action).run();
    assert_eq!(
        result.errors,
        ["Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command."]
    );
    assert!(job.env().get("NODE_OPTIONS").is_none());
    assert_eq!(job.env()["OK"], "1");
}

#[test]
fn lays_out_a_release_with_a_binary() {
    let fake = fake_action("", "");
    let node = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|dir| dir.join("node"))
        .find(|path| path.is_file())
        .unwrap();
    fs::create_dir_all(fake.action.path().join("dist/bin/stale")).unwrap();
    let release = ActionDir::with_binary(fake.action.path(), &node);
    let root = release.path();
    assert!(root.join("action.yml").is_file());
    assert!(root.join("dist/main.js").is_file() && root.join("dist/post.js").is_file());
    assert!(!root.join("dist/bin/stale").exists());
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x64"
    };
    let binary = root.join(format!("dist/bin/linux-{arch}/aws-oidc-credentials"));
    assert_eq!(
        fs::canonicalize(binary).unwrap(),
        fs::canonicalize(&node).unwrap()
    );
    assert_eq!(release.meta(), fake.action.meta());
}
