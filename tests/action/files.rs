//! What the step leaves in files, under odd runners: profile files named twice, full disks,
//! concurrent steps on one home directory, a replaced profile brought back by the post step.

use std::fs;

use crate::support::{Bench, REGION};

#[test]
fn one_new_profile_file_named_two_ways_keeps_both_sections() {
    let mut bench = Bench::new();
    let dir = bench.job.workspace().join("aws-files");
    fs::create_dir(&dir).unwrap();
    let file = dir.join("aws");
    let other_spelling = dir.join("sub").join("..").join("aws");
    let result = bench.run(|s| {
        s.with("aws-profile", "ci")
            .env("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap())
            .env("AWS_CONFIG_FILE", other_spelling.to_str().unwrap())
    });
    result.assert_success();
    let issued = &bench.sts.issued_credentials()[0];
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!(
            "[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n\n[profile ci]\nregion = {REGION}\n",
            issued.access_key_id, issued.secret_access_key, issued.session_token
        )
    );
    bench.finish()[0].result().unwrap().assert_success();
    assert!(!file.exists(), "the post step removed both sections");
}
