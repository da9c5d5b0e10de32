//! The proxy decision for every request the action makes (GitHub token and STS alike): the
//! `http-proxy` URL unless a `no-proxy` rule matches the request's host, with or without port.

use std::net::IpAddr;

use reqwest::Url;

/// A proxy and the hosts that bypass it.
#[derive(Debug, Clone)]
pub struct Proxy {
    url: Url,
    bypass: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
enum Rule {
    /// `*`: no request goes through the proxy.
    All,
    /// A domain and its subdomains (`example.com`, `.example.com`, `*.example.com`), or one IP.
    Host { host: String, port: Option<u16> },
    /// An IP network in CIDR form (`10.0.0.0/8`).
    Network { net: IpAddr, prefix: u8 },
}

impl Proxy {
    /// `None` when `url` is not an http(s) proxy URL. A URL without scheme means `http://`.
    pub fn new(url: &str, no_proxy: Option<&str>) -> Option<Proxy> {
        let with_scheme = if url.contains("://") {
            url.to_owned()
        } else {
            format!("http://{url}")
        };
        let url = Url::parse(&with_scheme).ok()?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return None;
        }
        let bypass = no_proxy
            .unwrap_or_default()
            .split([',', ' ', '\t', '\n'])
            .filter(|s| !s.is_empty())
            .filter_map(Rule::parse)
            .collect();
        Some(Proxy { url, bypass })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The proxy's URL without any user name or password, to name it in an error about a
    /// request to `target`; `None` when that request does not go through it.
    pub fn named_for(&self, target: &str) -> Option<String> {
        let target = Url::parse(target).ok()?;
        if !self.applies_to(&target) {
            return None;
        }
        let mut url = self.url.clone();
        url.set_username("").ok()?;
        url.set_password(None).ok()?;
        Some(url.as_str().trim_end_matches('/').to_owned())
    }

    /// Whether a request to `target` goes through the proxy.
    pub fn applies_to(&self, target: &Url) -> bool {
        let Some(host) = target.host_str() else {
            return false;
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = target.port_or_known_default();
        !self.bypass.iter().any(|rule| rule.matches(&host, port))
    }
}

impl Rule {
    fn parse(entry: &str) -> Option<Rule> {
        let entry = entry.trim().to_ascii_lowercase();
        if entry == "*" {
            return Some(Rule::All);
        }
        if let Some((net, prefix)) = entry.split_once('/') {
            let net: IpAddr = net.parse().ok()?;
            let prefix: u8 = prefix.parse().ok()?;
            let max = if net.is_ipv4() { 32 } else { 128 };
            return (prefix <= max).then_some(Rule::Network { net, prefix });
        }
        let (host, port) = split_port(&entry);
        let host = host.trim_start_matches('*').trim_start_matches('.');
        (!host.is_empty()).then(|| Rule::Host {
            host: host.to_owned(),
            port,
        })
    }

    fn matches(&self, host: &str, port: Option<u16>) -> bool {
        match self {
            Rule::All => true,
            Rule::Host {
                host: rule,
                port: rule_port,
            } => {
                let host_matches = host == rule
                    || host
                        .strip_suffix(rule.as_str())
                        .is_some_and(|rest| rest.ends_with('.'));
                host_matches && rule_port.is_none_or(|p| Some(p) == port)
            }
            Rule::Network { net, prefix } => host
                .parse::<IpAddr>()
                .is_ok_and(|ip| in_network(ip, *net, *prefix)),
        }
    }
}

/// Splits `host:port`, `[v6]:port`, `[v6]` or a bare IPv6 address.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (host, after.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

fn in_network(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    let (ip, net, bits) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a) as u128, u32::from(b) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let shift = bits - u32::from(prefix);
    shift >= bits || (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxied(no_proxy: &str, target: &str) -> bool {
        Proxy::new("http://proxy:3128", Some(no_proxy))
            .unwrap()
            .applies_to(&Url::parse(target).unwrap())
    }

    #[test]
    fn parses_proxy_urls() {
        assert_eq!(
            Proxy::new("proxy:3128", None).unwrap().url().as_str(),
            "http://proxy:3128/"
        );
        assert!(Proxy::new("https://user:pw@proxy", None).is_some());
        assert!(Proxy::new("socks5://proxy:1080", None).is_none());
        assert!(Proxy::new("http://", None).is_none());
    }

    #[test]
    fn names_itself_without_credentials_for_the_requests_it_carries() {
        let proxy = Proxy::new("http://user:secret@proxy:3128", Some("localhost")).unwrap();
        assert_eq!(
            proxy.named_for("https://token.actions.githubusercontent.com/x?a=b"),
            Some("http://proxy:3128".into())
        );
        assert_eq!(proxy.named_for("http://localhost:8080/token"), None);
    }

    #[test]
    fn no_rules_proxies_everything() {
        assert!(proxied("", "https://sts.us-east-1.amazonaws.com"));
    }

    #[test]
    fn hosts_match_with_or_without_port() {
        assert!(!proxied("127.0.0.1", "http://127.0.0.1:4566/"));
        assert!(!proxied("localhost", "http://localhost:8080/"));
        assert!(!proxied("127.0.0.1:4566", "http://127.0.0.1:4566/"));
        assert!(proxied("127.0.0.1:4567", "http://127.0.0.1:4566/"));
        assert!(!proxied("example.com:443", "https://example.com/"));
    }

    #[test]
    fn domains_match_subdomains() {
        for rule in ["amazonaws.com", ".amazonaws.com", "*.amazonaws.com"] {
            assert!(
                !proxied(rule, "https://sts.us-east-1.amazonaws.com/"),
                "{rule}"
            );
            assert!(proxied(rule, "https://notamazonaws.com/"), "{rule}");
        }
        assert!(!proxied("EXAMPLE.com", "https://example.COM/"));
    }

    #[test]
    fn wildcards_lists_and_networks() {
        assert!(!proxied("*", "https://anything/"));
        assert!(!proxied("a.com, b.com\tc.com", "https://c.com/"));
        assert!(!proxied("10.0.0.0/8", "http://10.1.2.3:80/"));
        assert!(proxied("10.0.0.0/8", "http://11.1.2.3/"));
        assert!(!proxied("::1", "http://[::1]:8080/"));
        assert!(!proxied("[::1]:8080", "http://[::1]:8080/"));
        assert!(!proxied("fd00::/8", "http://[fd12::1]/"));
    }
}
