//! The SSRF guard: outbound requests go only to http(s) URLs whose every address is a
//! public one, unless the operator's allow-list (`webhooks.allow_private`) covers it.
//! The name is resolved once, here; the request then connects to the addresses that
//! were checked (see `deliver`), so a DNS answer that changes between the check and
//! the connection (a rebind) changes nothing.

use ipnet::IpNet;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use url::Url;

const SETTING: &str = "webhooks.allow_private";

/// Why an address is not a public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressKind {
    /// 169.254.169.254, fd00:ec2::254, 100.100.100.200: where cloud instances read
    /// their credentials.
    CloudMetadata,
    Loopback,
    /// RFC 1918, fc00::/7 (and the deprecated site-local fec0::/10).
    Private,
    LinkLocal,
    Unspecified,
    Broadcast,
    Documentation,
    /// 100.64.0.0/10, carrier-grade NAT.
    SharedAddressSpace,
    Multicast,
    /// Reserved, benchmarking, protocol assignments and IPv6 outside global unicast.
    Reserved,
}

impl fmt::Display for AddressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressKind::CloudMetadata => "cloud metadata",
            AddressKind::Loopback => "loopback",
            AddressKind::Private => "private",
            AddressKind::LinkLocal => "link-local",
            AddressKind::Unspecified => "unspecified",
            AddressKind::Broadcast => "broadcast",
            AddressKind::Documentation => "documentation",
            AddressKind::SharedAddressSpace => "shared (carrier-grade NAT)",
            AddressKind::Multicast => "multicast",
            AddressKind::Reserved => "reserved",
        })
    }
}

/// `None` for a public address; otherwise what it is. IPv6 forms that carry an IPv4
/// address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`,
/// 6to4 `2002::/16`) are judged by that address.
pub fn forbidden_kind(ip: IpAddr) -> Option<AddressKind> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u8) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v4_kind(ip: Ipv4Addr) -> Option<AddressKind> {
    use AddressKind::*;
    let o = ip.octets();
    let kind = if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        CloudMetadata
    } else if ip.is_unspecified() {
        Unspecified
    } else if in_v4(ip, [0, 0, 0, 0], 8) {
        Reserved
    } else if ip.is_loopback() {
        Loopback
    } else if ip.is_private() {
        Private
    } else if ip.is_link_local() {
        LinkLocal
    } else if in_v4(ip, [100, 64, 0, 0], 10) {
        SharedAddressSpace
    } else if ip.is_documentation() {
        Documentation
    } else if ip.is_multicast() {
        Multicast
    } else if ip.is_broadcast() {
        Broadcast
    } else if in_v4(ip, [240, 0, 0, 0], 4)
        || in_v4(ip, [192, 0, 0, 0], 24)
        || in_v4(ip, [198, 18, 0, 0], 15)
        || in_v4(ip, [192, 88, 99, 0], 24)
    {
        Reserved
    } else {
        return None;
    };
    Some(kind)
}

fn v6_kind(ip: Ipv6Addr) -> Option<AddressKind> {
    use AddressKind::*;
    let s = ip.segments();
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return Some(CloudMetadata);
    }
    if ip.is_unspecified() {
        return Some(Unspecified);
    }
    if ip.is_loopback() {
        return Some(Loopback);
    }
    if let Some(v4) = embedded_v4(ip) {
        return v4_kind(v4);
    }
    let kind = if s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001 {
        // 64:ff9b:1::/48, NAT64 for local use.
        Private
    } else if s[0] == 0x2001 && s[1] == 0x0db8 || s[0] & 0xfff0 == 0x3ff0 {
        // 2001:db8::/32 and 3fff::/20.
        Documentation
    } else if s[0] == 0x2001 && s[1] < 0x0200 {
        // 2001::/23, protocol assignments, Teredo (2001::/32) among them.
        Reserved
    } else if s[0] & 0xfe00 == 0xfc00 || s[0] & 0xffc0 == 0xfec0 {
        Private
    } else if s[0] & 0xffc0 == 0xfe80 {
        LinkLocal
    } else if s[0] & 0xff00 == 0xff00 {
        Multicast
    } else if s[0] & 0xe000 != 0x2000 {
        // Outside 2000::/3, global unicast: unassigned or special (100::/64 discard).
        Reserved
    } else {
        return None;
    };
    Some(kind)
}

/// The IPv4 address an IPv6 one stands for, in the forms a connection would reach.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[..6] == [0, 0, 0, 0, 0, 0] {
        // ::a.b.c.d, deprecated "IPv4-compatible" (:: and ::1 are handled before).
        Some(low())
    } else if s[..6] == [0x0064, 0xff9b, 0, 0, 0, 0] {
        Some(low())
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
}

/// How long and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Resolving the name, and connecting (default 5 s).
    pub connect_timeout: Duration,
    /// The whole request, answer included (default 15 s).
    pub timeout: Duration,
    /// The most of an answer's body that is read (default 64 KiB); the rest is
    /// dropped.
    pub max_answer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_answer_bytes: 64 * 1024,
        }
    }
}

/// `webhooks.allow_private` holds something that is not an address range.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error(
    "`{SETTING}`: `{entry}` is not an address or CIDR range (e.g. `127.0.0.1/32`, `10.0.0.0/8`, `fd00::/8`)"
)]
pub struct SettingsError {
    pub entry: String,
}

/// Future returned by [`Resolve::resolve`].
pub type Resolving<'a> = Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'a>>;

/// Name resolution. The default is the system's (tokio's `lookup_host`); tests put
/// their own in to show what is and is not asked.
pub trait Resolve: Send + Sync {
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> Resolving<'a>;
}

struct System;

impl Resolve for System {
    fn resolve<'a>(&'a self, host: &'a str, port: u16) -> Resolving<'a> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) })
    }
}

/// The guard every outbound notice goes through.
#[derive(Clone)]
pub struct Guard {
    allow: Vec<IpNet>,
    limits: Limits,
    resolver: Arc<dyn Resolve>,
    /// Built at the first delivery and shared by its clones: loading the system's
    /// trust store takes a noticeable moment.
    pub(crate) tls: Arc<OnceLock<rustls::ClientConfig>>,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("allow_private", &self.allow)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Default for Guard {
    fn default() -> Self {
        Guard::new()
    }
}

/// What the guard let through: the URL's host and the addresses it was checked at,
/// which are the only ones the request may connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub host: String,
    pub addrs: Vec<SocketAddr>,
}

/// The guard said no; nothing was sent.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Refusal {
    #[error("only http and https URLs are delivered to, not `{scheme}`")]
    Scheme { scheme: String },
    #[error("the URL has no host")]
    NoHost,
    /// Worth retrying: names come back.
    #[error("`{host}` could not be resolved: {reason}")]
    Unresolved { host: String, reason: String },
    #[error("{}", forbidden(host, addr, kind))]
    Forbidden {
        host: String,
        addr: IpAddr,
        kind: AddressKind,
    },
}

fn forbidden(host: &str, addr: &IpAddr, kind: &AddressKind) -> String {
    let what = if *host == addr.to_string() {
        format!("{addr} is a {kind} address")
    } else {
        format!("`{host}` resolves to {addr}, a {kind} address")
    };
    format!("{what}; notices go only to public addresses unless `{SETTING}` lists it")
}

impl Guard {
    /// No allow-list, the default [`Limits`], the system's resolver.
    pub fn new() -> Guard {
        Guard {
            allow: Vec::new(),
            limits: Limits::default(),
            resolver: Arc::new(System),
            tls: Arc::default(),
        }
    }

    /// Reads `webhooks.allow_private`: CIDR ranges (`127.0.0.1/32`) or single
    /// addresses whose non-public addresses notices may go to anyway.
    pub fn allow_private<S: AsRef<str>>(mut self, entries: &[S]) -> Result<Guard, SettingsError> {
        self.allow = entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .map(|net| net.trunc())
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| SettingsError {
                        entry: entry.chars().take(60).collect(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    pub fn with_limits(mut self, limits: Limits) -> Guard {
        self.limits = limits;
        self
    }

    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> Guard {
        self.resolver = resolver;
        self
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether a connection to `ip` is allowed: public, or covered by the allow-list
    /// (as itself or as the IPv4 address it carries).
    pub fn permits(&self, ip: IpAddr) -> bool {
        if forbidden_kind(ip).is_none() {
            return true;
        }
        let carried = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.allow
            .iter()
            .any(|net| net.contains(&ip) || carried.is_some_and(|v4| net.contains(&v4)))
    }

    /// Resolves `url`'s host and checks every address. A literal address is checked
    /// as it is.
    pub async fn check(&self, url: &Url) -> Result<Checked, Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::Scheme {
                scheme: url.scheme().chars().take(20).collect(),
            });
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let (host, addrs) = match url.host() {
            None => return Err(Refusal::NoHost),
            Some(url::Host::Ipv4(v4)) => (v4.to_string(), vec![SocketAddr::new(v4.into(), port)]),
            Some(url::Host::Ipv6(v6)) => (v6.to_string(), vec![SocketAddr::new(v6.into(), port)]),
            Some(url::Host::Domain(name)) => {
                let unresolved = |reason: String| Refusal::Unresolved {
                    host: name.to_owned(),
                    reason,
                };
                let lookup = self.resolver.resolve(name, port);
                let addrs = tokio::time::timeout(self.limits.connect_timeout, lookup)
                    .await
                    .map_err(|_| {
                        unresolved(format!("no answer in {:?}", self.limits.connect_timeout))
                    })?
                    .map_err(|e| unresolved(e.to_string()))?;
                if addrs.is_empty() {
                    return Err(unresolved("no addresses".into()));
                }
                (name.to_owned(), addrs)
            }
        };
        if let Some(bad) = addrs.iter().find(|a| !self.permits(a.ip())) {
            return Err(Refusal::Forbidden {
                host,
                addr: bad.ip(),
                kind: forbidden_kind(bad.ip()).unwrap_or(AddressKind::Reserved),
            });
        }
        Ok(Checked { host, addrs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_kind_of_address_is_classified() {
        use AddressKind::*;
        let table: &[(&str, Option<AddressKind>)] = &[
            // Public.
            ("93.184.215.14", None),
            ("1.1.1.1", None),
            ("8.8.8.8", None),
            ("100.63.255.255", None),
            ("100.128.0.0", None),
            ("172.15.255.255", None),
            ("172.32.0.0", None),
            ("192.169.0.1", None),
            ("198.17.255.255", None),
            ("198.20.0.0", None),
            ("223.255.255.255", None),
            ("2606:4700:4700::1111", None),
            ("2a00:1450:4001::200e", None),
            ("2001:4860:4860::8888", None),
            // Metadata.
            ("169.254.169.254", Some(CloudMetadata)),
            ("100.100.100.200", Some(CloudMetadata)),
            ("fd00:ec2::254", Some(CloudMetadata)),
            ("::ffff:169.254.169.254", Some(CloudMetadata)),
            // IPv4.
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Reserved)),
            ("127.0.0.1", Some(Loopback)),
            ("127.255.255.254", Some(Loopback)),
            ("10.0.0.1", Some(Private)),
            ("10.255.255.255", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("192.168.1.1", Some(Private)),
            ("169.254.0.1", Some(LinkLocal)),
            ("100.64.0.1", Some(SharedAddressSpace)),
            ("100.127.255.255", Some(SharedAddressSpace)),
            ("192.0.2.1", Some(Documentation)),
            ("198.51.100.7", Some(Documentation)),
            ("203.0.113.9", Some(Documentation)),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.250", Some(Multicast)),
            ("255.255.255.255", Some(Broadcast)),
            ("240.0.0.1", Some(Reserved)),
            ("192.0.0.8", Some(Reserved)),
            ("198.18.0.1", Some(Reserved)),
            ("198.19.255.255", Some(Reserved)),
            ("192.88.99.1", Some(Reserved)),
            // IPv6.
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("fc00::1", Some(Private)),
            ("fd12:3456::1", Some(Private)),
            ("fec0::1", Some(Private)),
            ("fe80::1", Some(LinkLocal)),
            ("febf::1", Some(LinkLocal)),
            ("ff02::1", Some(Multicast)),
            ("2001:db8::1", Some(Documentation)),
            ("3fff::1", Some(Documentation)),
            ("2001::1", Some(Reserved)),
            ("100::1", Some(Reserved)),
            ("64:ff9b:1::1", Some(Private)),
            ("4000::1", Some(Reserved)),
            // IPv6 carrying IPv4.
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:10.1.2.3", Some(Private)),
            ("::ffff:8.8.8.8", None),
            ("::127.0.0.1", Some(Loopback)),
            ("64:ff9b::10.0.0.1", Some(Private)),
            ("64:ff9b::8.8.8.8", None),
            ("2002:a9fe:a9fe::1", Some(CloudMetadata)),
            ("2002:7f00:1::1", Some(Loopback)),
            ("2002:808:808::1", None),
        ];
        for (text, expected) in table {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(forbidden_kind(ip), *expected, "{text}");
        }
    }

    #[test]
    fn the_allow_list_lets_listed_addresses_through() {
        let guard = Guard::new()
            .allow_private(&["127.0.0.1/32", "10.0.0.0/8", "fd00::1"])
            .unwrap();
        for ok in [
            "127.0.0.1",
            "::ffff:127.0.0.1",
            "10.9.9.9",
            "fd00::1",
            "8.8.8.8",
        ] {
            assert!(guard.permits(ok.parse().unwrap()), "{ok}");
        }
        for no in [
            "127.0.0.2",
            "::1",
            "192.168.0.1",
            "fd00::2",
            "169.254.169.254",
        ] {
            assert!(!guard.permits(no.parse().unwrap()), "{no}");
        }
        let e = Guard::new().allow_private(&["10.0.0.0/33"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`webhooks.allow_private`: `10.0.0.0/33` is not an address or CIDR range \
             (e.g. `127.0.0.1/32`, `10.0.0.0/8`, `fd00::/8`)"
        );
        assert!(Guard::new().allow_private(&["localhost"]).is_err());
    }

    #[tokio::test]
    async fn literal_addresses_and_schemes_are_checked_without_resolving() {
        let guard = Guard::new();
        for (url, words) in [
            (
                "http://127.0.0.1:8080/x",
                "127.0.0.1 is a loopback address; notices go only to public addresses unless `webhooks.allow_private` lists it",
            ),
            ("http://[::ffff:a9fe:a9fe]/", "a cloud metadata address"),
            ("https://10.0.0.1/", "`webhooks.allow_private`"),
            ("ftp://8.8.8.8/", "not `ftp`"),
        ] {
            let e = guard.check(&url.parse().unwrap()).await.unwrap_err();
            assert!(e.to_string().contains(words), "{url}: {e}");
        }
        let ok = guard
            .check(&"https://8.8.8.8/hook".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(ok.addrs, vec!["8.8.8.8:443".parse().unwrap()]);
    }

    fn forbidden_v4() -> impl Strategy<Value = Ipv4Addr> {
        prop_oneof![
            any::<u32>().prop_map(|n| Ipv4Addr::from(0x7f00_0000 | (n & 0x00ff_ffff))),
            any::<u32>().prop_map(|n| Ipv4Addr::from(0x0a00_0000 | (n & 0x00ff_ffff))),
            any::<u32>().prop_map(|n| Ipv4Addr::from(0xac10_0000 | (n & 0x000f_ffff))),
            any::<u32>().prop_map(|n| Ipv4Addr::from(0xc0a8_0000 | (n & 0x0000_ffff))),
            any::<u32>().prop_map(|n| Ipv4Addr::from(0xa9fe_0000 | (n & 0x0000_ffff))),
            any::<u32>().prop_map(|n| Ipv4Addr::from(0x6440_0000 | (n & 0x003f_ffff))),
        ]
    }

    fn carriers(v4: Ipv4Addr) -> [Ipv6Addr; 4] {
        let [a, b, c, d] = v4.octets();
        let hi = u16::from_be_bytes([a, b]);
        let lo = u16::from_be_bytes([c, d]);
        [
            v4.to_ipv6_mapped(),
            Ipv6Addr::new(0, 0, 0, 0, 0, 0, hi, lo),
            Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, hi, lo),
            Ipv6Addr::new(0x2002, hi, lo, 0, 0, 0, 0, 1),
        ]
    }

    proptest! {
        /// Any IPv4 address written as IPv6 (mapped, compatible, NAT64, 6to4) gets the
        /// verdict of the IPv4 address; `::` and `::1` are the two exceptions, both
        /// refused.
        #[test]
        fn ipv6_forms_of_ipv4_get_its_verdict(n in any::<u32>()) {
            let v4 = Ipv4Addr::from(n);
            let expected = v4_kind(v4);
            for v6 in carriers(v4) {
                let got = v6_kind(v6);
                if n <= 1 && v6.segments()[..6] == [0; 6] {
                    prop_assert!(got.is_some());
                } else {
                    prop_assert_eq!(got, expected, "{} carrying {}", v6, v4);
                }
            }
        }

        #[test]
        fn private_loopback_and_link_local_ipv4_are_refused_in_every_form(v4 in forbidden_v4()) {
            prop_assert!(forbidden_kind(IpAddr::V4(v4)).is_some());
            for v6 in carriers(v4) {
                prop_assert!(forbidden_kind(IpAddr::V6(v6)).is_some(), "{}", v6);
                prop_assert!(!Guard::new().permits(IpAddr::V6(v6)));
            }
        }
    }
}
