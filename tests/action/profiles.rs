//! Profile mode: credentials and region in the shared files instead of the environment.

use std::fs;
use std::path::PathBuf;

use crate::support::{Bench, REGION, assert_failed_with};

fn aws_files(bench: &Bench) -> (PathBuf, PathBuf) {
    let dir = bench.job.home().join(".aws");
    (dir.join("credentials"), dir.join("config"))
}

#[test]
fn a_profile_gets_the_role_credentials_and_the_region() {
    let mut bench = Bench::new();
    let result = bench.run(|s| s.with("aws-profile", "ci"));
    result.assert_success();
    let issued = &bench.sts.issued_credentials()[0];
    let (credentials, config) = aws_files(&bench);
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        format!(
            "[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            issued.access_key_id, issued.secret_access_key, issued.session_token
        )
    );
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        format!("[profile ci]\nregion = {REGION}\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&credentials), 0o600);
        assert_eq!(mode(&config), 0o600);
        assert_eq!(mode(credentials.parent().unwrap()), 0o700);
    }
    // Profile mode keeps the credentials out of the environment unless asked.
    assert!(result.env.is_empty(), "{:?}", result.env);
    assert!(result.outputs.is_empty(), "{:?}", result.outputs);
    assert!(result.log().contains("Writing credentials to profile: ci"));
}

#[test]
fn output_env_credentials_adds_the_environment_and_aws_profile() {
    let mut bench = Bench::new();
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .with("output-env-credentials", "true")
    });
    result.assert_success();
    assert_eq!(result.env["AWS_PROFILE"], "ci");
    assert_eq!(result.env["AWS_REGION"], REGION);
    assert!(result.env.contains_key("AWS_SESSION_TOKEN"));

    let posts = bench.finish();
    let post = posts[0].result().expect("the post step ran");
    assert_eq!(post.env["AWS_PROFILE"], "");
    assert_eq!(post.env["AWS_ACCESS_KEY_ID"], "");
}

#[test]
fn an_existing_profile_is_kept_unless_overwrite_is_set() {
    let mut bench = Bench::new();
    let (credentials, config) = aws_files(&bench);
    fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    let before_credentials =
        "# team keys\n[other]\naws_access_key_id = A\n\n[ci]\n; old\naws_access_key_id = OLD\n";
    let before_config = "[profile ci]\nregion = eu-west-1\noutput = json\n";
    fs::write(&credentials, before_credentials).unwrap();
    fs::write(&config, before_config).unwrap();

    let result = bench.run(|s| s.with("aws-profile", "ci"));
    assert_failed_with(
        &result,
        &[
            "Profile with name \"ci\" already exists",
            "overwrite-aws-profile",
        ],
    );
    assert!(bench.sts.requests().is_empty(), "checked before any call");
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        before_credentials
    );
    assert_eq!(fs::read_to_string(&config).unwrap(), before_config);

    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .with("overwrite-aws-profile", "true")
    });
    result.assert_success();
    let issued = &bench.sts.issued_credentials()[0];
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        format!(
            "# team keys\n[other]\naws_access_key_id = A\n\n[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n; old\n",
            issued.access_key_id, issued.secret_access_key, issued.session_token
        )
    );
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        format!("[profile ci]\nregion = {REGION}\n")
    );
}

#[test]
fn access_keys_go_to_the_profile_without_a_role() {
    let mut bench = Bench::new();
    let keys = bench.sts.user("arn:aws:iam::111122223333:user/ci");
    let dir = tempfile::tempdir().unwrap();
    let (credentials, config) = (dir.path().join("creds"), dir.path().join("conf"));
    let result = bench.run(|s| {
        s.with("role-to-assume", "")
            .with("aws-profile", "default")
            .with("aws-access-key-id", &keys.access_key_id)
            .with("aws-secret-access-key", &keys.secret_access_key)
            .env("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())
            .env("AWS_CONFIG_FILE", config.to_str().unwrap())
    });
    result.assert_success();
    assert_eq!(
        fs::read_to_string(&credentials).unwrap(),
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            keys.access_key_id, keys.secret_access_key
        )
    );
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        format!("[default]\nregion = {REGION}\n")
    );
}

#[cfg(unix)]
#[test]
fn a_linked_credentials_file_is_refused() {
    let mut bench = Bench::new();
    let (credentials, config) = aws_files(&bench);
    fs::create_dir_all(credentials.parent().unwrap()).unwrap();
    let elsewhere = bench.job.workspace().join("elsewhere");
    fs::write(&elsewhere, "").unwrap();
    std::os::unix::fs::symlink(&elsewhere, &credentials).unwrap();
    let result = bench.run(|s| s.with("aws-profile", "ci"));
    assert_failed_with(&result, &["Refusing", "symbolic link"]);
    assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "");
    assert!(!config.exists());
}
