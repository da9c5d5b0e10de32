//! The instance metadata stand-in: the IMDSv2 token, the role name, the credentials, and
//! requests refused without a token; the credentials it serves sign STS requests.

use testbench::imds::Imds;
use testbench::sts::StsStandIn;
use testbench::sts::sigv4::Keys;

use crate::client::{now, request, signed_sts_post};

const BOX: &str = "arn:aws:iam::111122223333:role/build-box";
const CREDENTIALS: &str = "/latest/meta-data/iam/security-credentials/";

#[test]
fn serves_instance_profile_credentials_with_a_token() {
    let sts = StsStandIn::start();
    let issued = sts.instance_profile(BOX);
    assert!(issued.session_name.starts_with("i-") && issued.session_name.len() == 19);
    assert_eq!(issued.source, "ec2.amazonaws.com");
    assert!((now() + 6 * 3600 - 5..=now() + 6 * 3600).contains(&issued.expires_at));
    let imds = Imds::start(issued.clone());
    let url = imds.endpoint();

    let ttl = ("x-aws-ec2-metadata-token-ttl-seconds", "21600");
    let token = request(&url, "PUT", "/latest/api/token", &[ttl], "");
    assert_eq!(token.status, 200);
    assert_eq!(
        token.headers["x-aws-ec2-metadata-token-ttl-seconds"],
        "21600"
    );
    let with_token = [("x-aws-ec2-metadata-token", token.body.as_str())];

    let name = request(&url, "GET", CREDENTIALS, &with_token, "");
    assert_eq!((name.status, name.body.as_str()), (200, "build-box"));
    let path = format!("{CREDENTIALS}build-box");
    let answer = request(&url, "GET", &path, &with_token, "");
    assert_eq!(answer.status, 200);
    let json = answer.json();
    assert_eq!(json["Code"], "Success");
    assert_eq!(json["Type"], "AWS-HMAC");
    assert_eq!(json["AccessKeyId"], issued.access_key_id);
    assert_eq!(json["SecretAccessKey"], issued.secret_access_key);
    assert_eq!(json["Token"], issued.session_token);
    assert_eq!(json["Expiration"], issued.expiration);
    let updated = json["LastUpdated"].as_str().unwrap();
    assert!(updated.ends_with('Z') && updated.len() == 20, "{updated}");

    let keys = Keys {
        access_key_id: json["AccessKeyId"].as_str().unwrap(),
        secret_access_key: json["SecretAccessKey"].as_str().unwrap(),
        session_token: json["Token"].as_str(),
    };
    let identity = signed_sts_post(
        &sts.endpoint(),
        keys,
        &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    );
    let arn = format!(
        "<Arn>arn:aws:sts::111122223333:assumed-role/build-box/{}</Arn>",
        issued.session_name
    );
    assert!(identity.body.contains(&arn), "{}", identity.body);

    let statuses: Vec<(String, u16)> = imds
        .requests()
        .into_iter()
        .map(|r| (format!("{} {}", r.method, r.path), r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("PUT /latest/api/token".to_string(), 200),
            (format!("GET {CREDENTIALS}"), 200),
            (format!("GET {path}"), 200),
        ]
    );
}

#[test]
fn refuses_requests_without_a_valid_token() {
    let sts = StsStandIn::start();
    let imds = Imds::start(sts.instance_profile(BOX));
    let url = imds.endpoint();
    assert_eq!(request(&url, "GET", CREDENTIALS, &[], "").status, 401);
    let forged = [("x-aws-ec2-metadata-token", "forged")];
    assert_eq!(request(&url, "GET", CREDENTIALS, &forged, "").status, 401);
    for ttl in [None, Some("0"), Some("21601"), Some("soon")] {
        let headers: Vec<_> = ttl
            .map(|ttl| ("x-aws-ec2-metadata-token-ttl-seconds", ttl))
            .into_iter()
            .collect();
        let answer = request(&url, "PUT", "/latest/api/token", &headers, "");
        assert_eq!(answer.status, 400, "ttl {ttl:?}");
    }
    let ttl = [("x-aws-ec2-metadata-token-ttl-seconds", "60")];
    let token = request(&url, "PUT", "/latest/api/token", &ttl, "").body;
    let with_token = [("x-aws-ec2-metadata-token", token.as_str())];
    let other = format!("{CREDENTIALS}other-role");
    assert_eq!(request(&url, "GET", &other, &with_token, "").status, 404);
    assert_eq!(
        request(&url, "GET", "/latest/api/token", &[], "").status,
        405
    );
}
