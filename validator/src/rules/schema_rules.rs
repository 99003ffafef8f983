//! Rules decided by our JSON Schema (`schema/config-schema.json`): one per `.required` row and
//! per structural MUST the schema expresses. They have no check function: `crate::schema` maps
//! each schema error to one of them (an `x-rule` annotation, or the `.required` naming rule).
//!
//! A rule that covers exactly one requirement row carries that row's ID. The hook rules cover the
//! `prestart` and `createRuntime` rows (the spec states the hook fields once per section and says
//! the other four hook kinds "have the same schema as createRuntime entries"), and apply to all six
//! hook kinds. `config.annotations.map` also covers "Keys MUST be strings": a JSON object's keys
//! are strings by construction, so a key-value map is exactly a JSON object.

use crate::rule::{Rule, Scope};
use oci_check_model::Level;

macro_rules! schema_rule {
    ($name:ident, $id:literal, [$($req:literal),+ $(,)?], $summary:literal) => {
        pub static $name: Rule = Rule {
            id: $id,
            level: Level::Error,
            requirements: &[$($req),+],
            summary: $summary,
            scope: Scope::Schema,
            check: None,
            doc: None,
        };
    };
    ($name:ident, $id:literal, $summary:literal) => {
        schema_rule!($name, $id, [$id], $summary);
    };
}

// Top level.
schema_rule!(
    OCI_VERSION_REQUIRED,
    "config.ociVersion.required",
    "ociVersion is present"
);
schema_rule!(
    ROOT_REQUIRED,
    "config.root.required",
    "root is present (required on every platform but Windows; a config with a windows object may omit it)"
);
schema_rule!(
    ROOT_PATH_REQUIRED,
    "config.root.path.required",
    "root.path is present"
);

// Mounts.
schema_rule!(
    MOUNT_DESTINATION_REQUIRED,
    "config.mounts.destination.required",
    "every mount has a destination"
);
schema_rule!(
    MOUNT_UID_MAPPINGS_WITH_GID,
    "config.mounts.uidMappings.with_gidMappings",
    "a mount with uidMappings also has gidMappings"
);
schema_rule!(
    MOUNT_GID_MAPPINGS_WITH_UID,
    "config.mounts.gidMappings.with_uidMappings",
    "a mount with gidMappings also has uidMappings"
);

// Process.
schema_rule!(
    CONSOLE_HEIGHT_REQUIRED,
    "config.process.consoleSize.height.required",
    "process.consoleSize has a height"
);
schema_rule!(
    CONSOLE_WIDTH_REQUIRED,
    "config.process.consoleSize.width.required",
    "process.consoleSize has a width"
);
schema_rule!(
    CWD_REQUIRED,
    "config.process.cwd.required",
    "process.cwd is present"
);
schema_rule!(
    CWD_ABSOLUTE,
    "config.process.cwd.absolute",
    "process.cwd is an absolute path (starts with / on POSIX platforms; drive or UNC path on Windows)"
);
schema_rule!(
    ARGS_NONEMPTY,
    "config.process.args.nonempty",
    "process.args, when present, has at least one entry (non-Windows)"
);
schema_rule!(
    RLIMIT_TYPE_REQUIRED,
    "config.process.rlimits.type.required",
    "every process.rlimits entry has a type"
);
schema_rule!(
    RLIMIT_SOFT_REQUIRED,
    "config.process.rlimits.soft.required",
    "every process.rlimits entry has a soft limit"
);
schema_rule!(
    RLIMIT_HARD_REQUIRED,
    "config.process.rlimits.hard.required",
    "every process.rlimits entry has a hard limit"
);
schema_rule!(
    SCHEDULER_POLICY_REQUIRED,
    "config.process.scheduler.policy.required",
    "process.scheduler has a policy"
);
schema_rule!(
    IO_PRIORITY_CLASS_REQUIRED,
    "config.process.ioPriority.class.required",
    "process.ioPriority has a class"
);
schema_rule!(
    IO_PRIORITY_PRIORITY_REQUIRED,
    "config.process.ioPriority.priority.required",
    "process.ioPriority has a priority"
);
schema_rule!(
    USER_UID_REQUIRED,
    "config.process.user.uid.required",
    "process.user has a uid (POSIX platforms: every config without a windows object)"
);
schema_rule!(
    USER_GID_REQUIRED,
    "config.process.user.gid.required",
    "process.user has a gid (POSIX platforms: every config without a windows object)"
);

// Hooks: one rule per duty, for all six hook kinds.
schema_rule!(
    HOOK_PATH_REQUIRED,
    "config.hooks.path.required",
    [
        "config.hooks.prestart.path.required",
        "config.hooks.createRuntime.path.required"
    ],
    "every hook (prestart, createRuntime, createContainer, startContainer, poststart, poststop) has a path"
);
schema_rule!(
    HOOK_PATH_ABSOLUTE,
    "config.hooks.path.absolute",
    [
        "config.hooks.prestart.path.absolute",
        "config.hooks.createRuntime.path.absolute"
    ],
    "every hook path is absolute"
);
schema_rule!(
    HOOK_TIMEOUT_POSITIVE,
    "config.hooks.timeout.positive",
    [
        "config.hooks.prestart.timeout.positive",
        "config.hooks.createRuntime.timeout.positive"
    ],
    "a hook timeout, when set, is greater than zero"
);

// Annotations.
schema_rule!(
    ANNOTATIONS_MAP,
    "config.annotations.map",
    ["config.annotations.map", "config.annotations.keys_strings"],
    "annotations is a key-value map (a JSON object, whose keys are always strings)"
);
schema_rule!(
    ANNOTATIONS_KEYS_NONEMPTY,
    "config.annotations.keys_nonempty",
    "no annotation key is the empty string"
);
schema_rule!(
    ANNOTATIONS_VALUES_STRINGS,
    "config.annotations.values_strings",
    "every annotation value is a string"
);

// Linux: namespaces, mappings, devices.
schema_rule!(
    NAMESPACE_TYPE_REQUIRED,
    "config.linux.namespaces.type.required",
    "every linux.namespaces entry has a type"
);
schema_rule!(
    NAMESPACE_PATH_ABSOLUTE,
    "config.linux.namespaces.path.absolute",
    "a namespace path, when set, is absolute"
);
schema_rule!(
    ID_MAPPING_CONTAINER_ID_REQUIRED,
    "config.linux.idMappings.containerID.required",
    "every uid/gid mapping (linux or mount) has a containerID"
);
schema_rule!(
    ID_MAPPING_HOST_ID_REQUIRED,
    "config.linux.idMappings.hostID.required",
    "every uid/gid mapping (linux or mount) has a hostID"
);
schema_rule!(
    ID_MAPPING_SIZE_REQUIRED,
    "config.linux.idMappings.size.required",
    "every uid/gid mapping (linux or mount) has a size"
);
schema_rule!(
    DEVICE_TYPE_REQUIRED,
    "config.linux.devices.type.required",
    "every linux.devices entry has a type"
);
schema_rule!(
    DEVICE_PATH_REQUIRED,
    "config.linux.devices.path.required",
    "every linux.devices entry has a path"
);
schema_rule!(
    DEVICE_MAJOR_MINOR_REQUIRED,
    "config.linux.devices.major_minor.required",
    "every linux.devices entry of type c, b or u has major and minor numbers"
);

// Linux: resources.
schema_rule!(
    CGROUP_DEVICE_ALLOW_REQUIRED,
    "config.linux.resources.devices.allow.required",
    "every linux.resources.devices entry has allow"
);
schema_rule!(
    WEIGHT_DEVICE_MAJOR_MINOR_REQUIRED,
    "config.linux.resources.blockIO.weightDevice.major_minor.required",
    "every blockIO.weightDevice entry has major and minor numbers"
);
schema_rule!(
    WEIGHT_DEVICE_WEIGHT_OR_LEAF_WEIGHT,
    "config.linux.resources.blockIO.weightDevice.weight_or_leafWeight",
    "every blockIO.weightDevice entry has weight, leafWeight or both"
);
schema_rule!(
    THROTTLE_BPS_MAJOR_MINOR_REQUIRED,
    "config.linux.resources.blockIO.throttleBpsDevice.major_minor.required",
    "every throttleReadBpsDevice / throttleWriteBpsDevice entry has major and minor numbers"
);
schema_rule!(
    THROTTLE_BPS_RATE_REQUIRED,
    "config.linux.resources.blockIO.throttleBpsDevice.rate.required",
    "every throttleReadBpsDevice / throttleWriteBpsDevice entry has a rate"
);
schema_rule!(
    THROTTLE_IOPS_MAJOR_MINOR_REQUIRED,
    "config.linux.resources.blockIO.throttleIOPSDevice.major_minor.required",
    "every throttleReadIOPSDevice / throttleWriteIOPSDevice entry has major and minor numbers"
);
schema_rule!(
    THROTTLE_IOPS_RATE_REQUIRED,
    "config.linux.resources.blockIO.throttleIOPSDevice.rate.required",
    "every throttleReadIOPSDevice / throttleWriteIOPSDevice entry has a rate"
);
schema_rule!(
    HUGEPAGE_PAGE_SIZE_REQUIRED,
    "config.linux.resources.hugepageLimits.pageSize.required",
    "every hugepageLimits entry has a pageSize"
);
schema_rule!(
    HUGEPAGE_PAGE_SIZE_FORMAT,
    "config.linux.resources.hugepageLimits.pageSize.format",
    "a hugepageLimits pageSize has the form <size><unit-prefix>B (64KB, 2MB, 1GB)"
);
schema_rule!(
    HUGEPAGE_LIMIT_REQUIRED,
    "config.linux.resources.hugepageLimits.limit.required",
    "every hugepageLimits entry has a limit"
);
schema_rule!(
    NET_PRIORITY_NAME_REQUIRED,
    "config.linux.resources.network.priorities.name.required",
    "every network.priorities entry has a name"
);
schema_rule!(
    NET_PRIORITY_PRIORITY_REQUIRED,
    "config.linux.resources.network.priorities.priority.required",
    "every network.priorities entry has a priority"
);
schema_rule!(
    RDMA_HANDLES_OR_OBJECTS,
    "config.linux.resources.rdma.handles_or_objects",
    "every rdma entry has hcaHandles, hcaObjects or both"
);

// Linux: intelRdt, memoryPolicy, seccomp, paths, personality.
schema_rule!(
    MEM_BW_SCHEMA_PREFIX,
    "config.linux.intelRdt.memBwSchema.prefix",
    "intelRdt.memBwSchema starts with MB:"
);
schema_rule!(
    MEM_BW_SCHEMA_NO_NEWLINES,
    "config.linux.intelRdt.memBwSchema.no_newlines",
    "intelRdt.memBwSchema contains no newline"
);
schema_rule!(
    SCHEMATA_NO_NEWLINES,
    "config.linux.intelRdt.schemata.no_newlines",
    "no intelRdt.schemata line contains a newline"
);
schema_rule!(
    MEMORY_POLICY_MODE_REQUIRED,
    "config.linux.memoryPolicy.mode.required",
    "linux.memoryPolicy has a mode"
);
schema_rule!(
    SECCOMP_DEFAULT_ACTION_REQUIRED,
    "config.linux.seccomp.defaultAction.required",
    "linux.seccomp has a defaultAction"
);
schema_rule!(
    SECCOMP_LISTENER_METADATA_NEEDS_PATH,
    "config.linux.seccomp.listenerMetadata.requires_listenerPath",
    "seccomp.listenerMetadata is set only together with listenerPath"
);
schema_rule!(
    SYSCALL_NAMES_REQUIRED,
    "config.linux.seccomp.syscalls.names.required",
    "every seccomp.syscalls entry has names"
);
schema_rule!(
    SYSCALL_NAMES_NONEMPTY,
    "config.linux.seccomp.syscalls.names.nonempty",
    "every seccomp.syscalls names list has at least one entry"
);
schema_rule!(
    SYSCALL_ACTION_REQUIRED,
    "config.linux.seccomp.syscalls.action.required",
    "every seccomp.syscalls entry has an action"
);
schema_rule!(
    SYSCALL_ARG_INDEX_REQUIRED,
    "config.linux.seccomp.syscalls.args.index.required",
    "every seccomp syscall argument has an index"
);
schema_rule!(
    SYSCALL_ARG_VALUE_REQUIRED,
    "config.linux.seccomp.syscalls.args.value.required",
    "every seccomp syscall argument has a value"
);
schema_rule!(
    SYSCALL_ARG_OP_REQUIRED,
    "config.linux.seccomp.syscalls.args.op.required",
    "every seccomp syscall argument has an op"
);
schema_rule!(
    MASKED_PATHS_ABSOLUTE,
    "config.linux.maskedPaths.absolute",
    "every linux.maskedPaths entry is an absolute path"
);
schema_rule!(
    READONLY_PATHS_ABSOLUTE,
    "config.linux.readonlyPaths.absolute",
    "every linux.readonlyPaths entry is an absolute path"
);
schema_rule!(
    PERSONALITY_DOMAIN_REQUIRED,
    "config.linux.personality.domain.required",
    "linux.personality has a domain"
);

pub static RULES: &[&Rule] = &[
    &OCI_VERSION_REQUIRED,
    &ROOT_REQUIRED,
    &ROOT_PATH_REQUIRED,
    &MOUNT_DESTINATION_REQUIRED,
    &MOUNT_UID_MAPPINGS_WITH_GID,
    &MOUNT_GID_MAPPINGS_WITH_UID,
    &CONSOLE_HEIGHT_REQUIRED,
    &CONSOLE_WIDTH_REQUIRED,
    &CWD_REQUIRED,
    &CWD_ABSOLUTE,
    &ARGS_NONEMPTY,
    &RLIMIT_TYPE_REQUIRED,
    &RLIMIT_SOFT_REQUIRED,
    &RLIMIT_HARD_REQUIRED,
    &SCHEDULER_POLICY_REQUIRED,
    &IO_PRIORITY_CLASS_REQUIRED,
    &IO_PRIORITY_PRIORITY_REQUIRED,
    &USER_UID_REQUIRED,
    &USER_GID_REQUIRED,
    &HOOK_PATH_REQUIRED,
    &HOOK_PATH_ABSOLUTE,
    &HOOK_TIMEOUT_POSITIVE,
    &ANNOTATIONS_MAP,
    &ANNOTATIONS_KEYS_NONEMPTY,
    &ANNOTATIONS_VALUES_STRINGS,
    &NAMESPACE_TYPE_REQUIRED,
    &NAMESPACE_PATH_ABSOLUTE,
    &ID_MAPPING_CONTAINER_ID_REQUIRED,
    &ID_MAPPING_HOST_ID_REQUIRED,
    &ID_MAPPING_SIZE_REQUIRED,
    &DEVICE_TYPE_REQUIRED,
    &DEVICE_PATH_REQUIRED,
    &DEVICE_MAJOR_MINOR_REQUIRED,
    &CGROUP_DEVICE_ALLOW_REQUIRED,
    &WEIGHT_DEVICE_MAJOR_MINOR_REQUIRED,
    &WEIGHT_DEVICE_WEIGHT_OR_LEAF_WEIGHT,
    &THROTTLE_BPS_MAJOR_MINOR_REQUIRED,
    &THROTTLE_BPS_RATE_REQUIRED,
    &THROTTLE_IOPS_MAJOR_MINOR_REQUIRED,
    &THROTTLE_IOPS_RATE_REQUIRED,
    &HUGEPAGE_PAGE_SIZE_REQUIRED,
    &HUGEPAGE_PAGE_SIZE_FORMAT,
    &HUGEPAGE_LIMIT_REQUIRED,
    &NET_PRIORITY_NAME_REQUIRED,
    &NET_PRIORITY_PRIORITY_REQUIRED,
    &RDMA_HANDLES_OR_OBJECTS,
    &MEM_BW_SCHEMA_PREFIX,
    &MEM_BW_SCHEMA_NO_NEWLINES,
    &SCHEMATA_NO_NEWLINES,
    &MEMORY_POLICY_MODE_REQUIRED,
    &SECCOMP_DEFAULT_ACTION_REQUIRED,
    &SECCOMP_LISTENER_METADATA_NEEDS_PATH,
    &SYSCALL_NAMES_REQUIRED,
    &SYSCALL_NAMES_NONEMPTY,
    &SYSCALL_ACTION_REQUIRED,
    &SYSCALL_ARG_INDEX_REQUIRED,
    &SYSCALL_ARG_VALUE_REQUIRED,
    &SYSCALL_ARG_OP_REQUIRED,
    &MASKED_PATHS_ABSOLUTE,
    &READONLY_PATHS_ABSOLUTE,
    &PERSONALITY_DOMAIN_REQUIRED,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirements;
    use std::collections::HashMap;

    /// The 42 static `.required` MUST rows and the prose MUSTs the schema encodes: each is cited
    /// by exactly one rule of this module.
    #[test]
    fn every_schema_requirement_is_cited_exactly_once() {
        let mut cited: HashMap<&str, Vec<&str>> = HashMap::new();
        for rule in RULES {
            assert_eq!(rule.scope, Scope::Schema, "{}", rule.id);
            assert!(rule.check.is_none(), "{}", rule.id);
            assert_eq!(rule.level, Level::Error, "{}", rule.id);
            for req in rule.requirements {
                assert!(
                    requirements::get(req).is_some(),
                    "{} cites unknown {req}",
                    rule.id
                );
                cited.entry(req).or_default().push(rule.id);
            }
        }
        let required_rows: Vec<&str> = requirements::all()
            .iter()
            .filter(|r| r.check == "static" && r.level == "MUST" && r.id.ends_with(".required"))
            .map(|r| r.id)
            .collect();
        assert_eq!(required_rows.len(), 42);
        let prose = [
            "config.process.cwd.absolute",
            "config.process.args.nonempty",
            "config.hooks.prestart.path.absolute",
            "config.hooks.createRuntime.path.absolute",
            "config.hooks.prestart.timeout.positive",
            "config.hooks.createRuntime.timeout.positive",
            "config.annotations.map",
            "config.annotations.keys_strings",
            "config.annotations.keys_nonempty",
            "config.annotations.values_strings",
            "config.linux.namespaces.path.absolute",
            "config.mounts.uidMappings.with_gidMappings",
            "config.mounts.gidMappings.with_uidMappings",
            "config.linux.resources.blockIO.weightDevice.weight_or_leafWeight",
            "config.linux.resources.rdma.handles_or_objects",
            "config.linux.seccomp.syscalls.names.nonempty",
            "config.linux.seccomp.listenerMetadata.requires_listenerPath",
            "config.linux.maskedPaths.absolute",
            "config.linux.readonlyPaths.absolute",
            "config.linux.intelRdt.memBwSchema.prefix",
            "config.linux.intelRdt.memBwSchema.no_newlines",
            "config.linux.intelRdt.schemata.no_newlines",
        ];
        for id in required_rows.iter().chain(prose.iter()) {
            let by = cited.get(id).cloned().unwrap_or_default();
            assert_eq!(
                by.len(),
                1,
                "{id} is cited by {by:?}, want exactly one schema rule"
            );
        }
    }
}
