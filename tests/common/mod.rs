//! Fake sysfs trees shaped like the kernel's: `bus/pci/devices/ADDR` is a
//! relative symlink into `devices/pci0000:BB/ADDR`; `driver`, `virtfnN`,
//! `physfn` and `net/IF/master` are symlinks; attributes are plain files.
//! Fakes are for shaping inputs; real behaviour is tested in the VM rig.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct FakeSysfs {
    pub dir: tempfile::TempDir,
}

/// What a fake PCI function looks like.
pub struct Pci<'a> {
    pub addr: &'a str,
    pub vendor: &'a str,
    pub device: &'a str,
    pub driver: Option<&'a str>,
    pub ifname: Option<&'a str>,
}

impl FakeSysfs {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for d in
            ["bus/pci/devices", "bus/pci/drivers", "devices", "devices/virtual/net", "class/net"]
        {
            fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        FakeSysfs { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Where a PCI function's directory lives: `devices/pci0000:BB/ADDR`.
    pub fn dev_dir(&self, addr: &str) -> PathBuf {
        self.root().join(format!("devices/pci0000:{}", &addr[5..7])).join(addr)
    }

    /// Adds a PCI function and returns its directory.
    pub fn pci(&self, p: Pci) -> PathBuf {
        let dir = self.dev_dir(p.addr);
        fs::create_dir_all(&dir).unwrap();
        write(&dir, "vendor", &format!("0x{}", p.vendor));
        write(&dir, "device", &format!("0x{}", p.device));
        write(&dir, "numa_node", "0");
        symlink(
            format!("../../../devices/pci0000:{}/{}", &p.addr[5..7], p.addr),
            self.root().join("bus/pci/devices").join(p.addr),
        )
        .unwrap();
        symlink("../../../bus/pci", dir.join("subsystem")).unwrap();
        if let Some(drv) = p.driver {
            fs::create_dir_all(self.root().join("bus/pci/drivers").join(drv)).unwrap();
            symlink(format!("../../../bus/pci/drivers/{drv}"), dir.join("driver")).unwrap();
        }
        if let Some(ifname) = p.ifname {
            self.net(&dir, ifname);
        }
        dir
    }

    /// Makes a PCI function a PF: sriov_totalvfs, sriov_numvfs, sriov_vf_device.
    pub fn sriov(&self, addr: &str, total: u32, num: u32, vf_device: &str) {
        let dir = self.dev_dir(addr);
        write(&dir, "sriov_totalvfs", &total.to_string());
        write(&dir, "sriov_numvfs", &num.to_string());
        write(&dir, "sriov_vf_device", vf_device);
    }

    /// Adds interface `ifname` under `dir/net`.
    pub fn net(&self, dir: &Path, ifname: &str) -> PathBuf {
        let net = dir.join("net").join(ifname);
        fs::create_dir_all(&net).unwrap();
        // As the kernel does, every interface also shows in class/net.
        symlink(&net, self.root().join("class/net").join(ifname)).unwrap();
        net
    }

    /// Enslaves `ifname` of the function at `addr` to `master`.
    pub fn enslave(&self, addr: &str, ifname: &str, master: &str) {
        let net = self.dev_dir(addr).join("net").join(ifname);
        fs::create_dir_all(self.root().join("devices/virtual/net").join(master)).unwrap();
        symlink(format!("../../../../../virtual/net/{master}"), net.join("master")).unwrap();
    }

    /// Adds VF `index` of PF `pf` at `addr`, with its links both ways.
    pub fn vf(&self, pf: &str, index: u32, vf: Pci) {
        let dir = self.pci(vf);
        let addr = dir.file_name().unwrap().to_string_lossy().into_owned();
        symlink(format!("../{pf}"), dir.join("physfn")).unwrap();
        symlink(format!("../{addr}"), self.dev_dir(pf).join(format!("virtfn{index}"))).unwrap();
    }

    /// Adds a netdevsim bus device with `sriov_numvfs`, like the kernel's.
    pub fn netdevsim(&self, id: u32, num: u32, ifname: &str) {
        let name = format!("netdevsim{id}");
        let dir = self.root().join("devices").join(&name);
        fs::create_dir_all(&dir).unwrap();
        write(&dir, "sriov_numvfs", &num.to_string());
        fs::create_dir_all(self.root().join("bus/netdevsim/devices")).unwrap();
        fs::create_dir_all(self.root().join("bus/netdevsim/drivers/netdevsim")).unwrap();
        symlink(
            format!("../../../devices/{name}"),
            self.root().join("bus/netdevsim/devices").join(&name),
        )
        .unwrap();
        symlink("../../bus/netdevsim/drivers/netdevsim", dir.join("driver")).unwrap();
        symlink("../../bus/netdevsim", dir.join("subsystem")).unwrap();
        self.net(&dir, ifname);
    }

    /// An Intel I210 at 0000:02:00.0: a NIC without SR-IOV.
    pub fn plain_nic(&self) {
        self.pci(Pci {
            addr: "0000:02:00.0",
            vendor: "8086",
            device: "1533",
            driver: Some("igb"),
            ifname: Some("eno2"),
        });
    }

    /// Removes a PCI function, as a hot-unplug does.
    pub fn unplug(&self, addr: &str) {
        fs::remove_dir_all(self.dev_dir(addr)).unwrap();
        fs::remove_file(self.root().join("bus/pci/devices").join(addr)).unwrap();
    }

    /// Unbinds a PCI function's driver.
    pub fn unbind(&self, addr: &str) {
        fs::remove_file(self.dev_dir(addr).join("driver")).unwrap();
    }

    /// `/devices/...` path of a PCI function, as udev events carry it.
    pub fn devpath(&self, addr: &str) -> String {
        format!("/devices/pci0000:{}/{addr}", &addr[5..7])
    }

    pub fn read(&self, addr: &str, attr: &str) -> String {
        fs::read_to_string(self.dev_dir(addr).join(attr)).unwrap().trim().to_string()
    }
}

pub fn write(dir: &Path, name: &str, value: &str) {
    fs::write(dir.join(name), format!("{value}\n")).unwrap();
}

/// A dual-port ConnectX-7 (port 0 already at 4 VFs, both ports bonded per the
/// default config), an I350, a Pensando DSC, a non-SR-IOV I210, and a third
/// ConnectX-7 whose `sriov_numvfs` cannot be read.
pub fn mixed_host() -> FakeSysfs {
    let s = FakeSysfs::new();
    let cx7 = |addr, ifname| Pci {
        addr,
        vendor: "15b3",
        device: "1021",
        driver: Some("mlx5_core"),
        ifname: Some(ifname),
    };

    s.pci(cx7("0000:3b:00.0", "ens60f0np0"));
    s.sriov("0000:3b:00.0", 16, 4, "101e");
    for i in 0..4 {
        let addr = format!("0000:3b:00.{}", i + 2);
        let ifname = format!("ens60f0v{i}");
        let vf = Pci {
            addr: &addr,
            vendor: "15b3",
            device: "101e",
            driver: Some("mlx5_core"),
            ifname: Some(&ifname),
        };
        s.vf("0000:3b:00.0", i, vf);
    }
    s.pci(cx7("0000:3b:00.1", "ens60f1np1"));
    s.sriov("0000:3b:00.1", 16, 0, "101e");

    let broken = s.pci(cx7("0000:5e:00.0", "ens70f0np0"));
    s.sriov("0000:5e:00.0", 16, 0, "101e");
    // A directory where the attribute should be: unreadable even for root.
    fs::remove_file(broken.join("sriov_numvfs")).unwrap();
    fs::create_dir(broken.join("sriov_numvfs")).unwrap();

    s.pci(Pci {
        addr: "0000:01:00.0",
        vendor: "8086",
        device: "1521",
        driver: Some("igb"),
        ifname: Some("eno1"),
    });
    s.sriov("0000:01:00.0", 7, 0, "1520");
    s.pci(Pci {
        addr: "0000:b5:00.0",
        vendor: "1dd8",
        device: "1002",
        driver: Some("ionic"),
        ifname: Some("enp181s0"),
    });
    s.sriov("0000:b5:00.0", 16, 0, "1003");
    s.plain_nic();
    s
}

/// Runs the real binary.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sriov-manager"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes a config file into the tree's temp dir and returns its path.
pub fn config_file(s: &FakeSysfs, text: &str) -> String {
    let p = s.root().join("config.json");
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}
