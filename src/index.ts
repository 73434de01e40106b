/** damon-ts: the package's public exports. */
export * from './core/types.js';
export { DamonContext, Target } from './core/context.js';
export type {
  AggregationListener,
  AggregationWindow,
  ContextOptions,
  ReportHitListener,
  TargetSpec,
} from './core/context.js';
export { runVirtual, runWallClock, wallClockUs } from './core/drivers.js';
export type { VirtualEnv } from './core/drivers.js';
export { registerOps, unregisterOps, getOps, hasOps, registeredOps } from './core/ops-registry.js';
export { RegionList } from './core/region-list.js';
export type { RegionRecord } from './core/region-list.js';
export {
  alignDown,
  alignUp,
  resetSharedSplitState,
  setRegions,
  threeRegionsOfVmas,
  validateRanges,
} from './core/region-ops.js';
export type { Range } from './core/region-ops.js';
export { defaultAttrs, samplesPerAggr } from './core/attrs.js';
export { einval } from './core/errors.js';
export type { CodedError } from './core/errors.js';
export { Prng } from './core/prng.js';
export { DEFAULT_REPORT_CAPACITY, findRegion } from './core/report-intake.js';
export type { ReportStats } from './core/report-intake.js';
export { compileSampleFilters, samplePasses } from './core/sample-filters.js';
export * as primitives from './core/primitives.js';
export { getWorkload, listWorkloads, loadMasimWorkload, resolveWorkload } from './workloads/builtins.js';
export type { WorkloadInfo } from './workloads/builtins.js';
export { parseMasimConfig } from './workloads/masim-config.js';
export type { MasimConfig, MasimPattern, MasimPhase, MasimRegion, RwMode } from './workloads/masim-config.js';
export { MasimWorkload, MASIM_LAYOUT } from './workloads/masim-workload.js';
export { CombinedWorkload } from './workloads/combined-workload.js';
export type { MachineView, MachineWorkload } from './workloads/machine-view.js';
export { TraceWorkload } from './backends/trace/trace-workload.js';
export type { TraceWorkloadOptions } from './backends/trace/trace-workload.js';
export { traceReports } from './backends/trace/trace-reports.js';
export type { TraceReportOptions } from './backends/trace/trace-reports.js';
export { openTrace, openTraceSync, convertToBinary } from './backends/trace/trace-file.js';
export type { TraceReader, TraceReadOptions } from './backends/trace/trace-file.js';
export {
  BinaryTraceWriter,
  BINARY_TRACE_MAGIC,
  BINARY_TRACE_VERSION,
} from './backends/trace/binary-trace.js';
export { LackeyDecoder, DEFAULT_INSTRUCTIONS_PER_SECOND } from './backends/trace/lackey-decoder.js';
export type { TraceBatch, TraceInfo } from './backends/trace/trace-batch.js';
export { captureTrace } from './backends/trace/capture.js';
export * from './config/schema.js';
export { ConfigError, parseKdamondsConfig, loadKdamondsConfig, parseSchemes } from './config/load.js';
export { optionsToKdamonds, deduceTarget } from './config/damo-options.js';
export { addMonitoringOptions } from './interfaces/cli/shared/monitoring-options.js';
export type { MonitoringOptions, DeducedTarget } from './config/damo-options.js';
export { kdamondsToJson } from './config/serialize.js';
export { accessPatternInKernelUnits } from './config/access-pattern.js';
export { KernelDamon, KdamondBusyError, NotOwnerError } from './backends/kernel/control.js';
export type { KernelDamonOptions } from './backends/kernel/control.js';
export { detectFeatures, DamonAbsentError } from './backends/kernel/features.js';
export type { KernelFeatures } from './backends/kernel/features.js';
export { recordKernel, recordOngoing } from './backends/kernel/recorder.js';
export type { RecordKernelOptions, RecordStats, SnapshotSink } from './backends/kernel/recorder.js';
export { readStatus, readTriedRegions } from './backends/kernel/status.js';
export { DamonSysfs, SysfsError } from './backends/kernel/sysfs.js';
export { defaultPaddrRegion } from './backends/kernel/iomem.js';
export {
  kernelPaddrRegions,
  numaNodePaddrRegions,
  numaNodeRanges,
  readMemoryBlockLayout,
} from './backends/kernel/numa-layout.js';
export type { MemoryBlockLayout, NumaSources } from './backends/kernel/numa-layout.js';
export { simNodeRange, simPaddrRegions } from './backends/sim/node-ranges.js';
export { contextAttrs, contextPrimitives, contextSampleFilters } from './config/core-attrs.js';
export { TraceInstance } from './backends/tracefs/instance.js';
export type { TraceInstanceOptions } from './backends/tracefs/instance.js';
export { RawTraceReader } from './backends/tracefs/raw-reader.js';
export type { CpuEventHandler, LostEvents, RawReaderOptions } from './backends/tracefs/raw-reader.js';
export { decodeSubbuffer } from './backends/tracefs/ring-buffer.js';
export { eventField, parseEventFormat, readField } from './backends/tracefs/format.js';
export type { EventField, EventFormat } from './backends/tracefs/format.js';
export { registerExitCleanup } from './backends/tracefs/exit-cleanup.js';
export { monotonicUs, ReportBatcher, wallClockTimeBaseUs } from './backends/live/source.js';
export type { ReportSink, ReportSource, SourceStats } from './backends/live/source.js';
export { PageFaultSource } from './backends/live/fault-source.js';
export type { PageFaultSourceOptions } from './backends/live/fault-source.js';
export { WriteOnlySource } from './backends/live/write-only-source.js';
export type { WriteOnlySourceOptions } from './backends/live/write-only-source.js';
export { SoftDirtySource, softDirtyUnsupported } from './backends/live/soft-dirty-source.js';
export { ReferencedBytesSource, parseSmapsReferenced } from './backends/live/referenced-source.js';
export type { WssSample, VmaReferenced } from './backends/live/referenced-source.js';
export { PerfSource, readPerfScriptFile } from './backends/live/perf-source.js';
export { PerfScriptParser } from './backends/live/perf-script.js';
export { LackeySource, readLackeyLog } from './backends/live/lackey-source.js';
export { launchWithUffdHelper, uffdHelperPath } from './backends/live/uffd-helper.js';
export {
  monitorReferencedBytes,
  recordLivePageFaults,
  recordLiveSoftDirty,
  recordLiveWriteOnly,
} from './backends/live/live-record.js';
export type { LiveRun, LivePageFaultOptions, LiveWriteOnlyOptions } from './backends/live/live-record.js';
export { Machine } from './backends/sim/machine.js';
export type {
  FrameInfo,
  MachineTask,
  MmapOptions,
  NumaHintHandler,
  PteState,
  Workload,
} from './backends/sim/machine.js';
export { DEFAULT_NUMA_BALANCING, NumaBalancing } from './backends/sim/numa-balancing.js';
export type { NumaBalancingConfig, NumaBalancingStats } from './backends/sim/numa-balancing.js';
export { remoteFraction, sumRemote, trackRemoteAccesses } from './backends/sim/numa-truth.js';
export type { RemoteWindow } from './backends/sim/numa-truth.js';
export { DEFAULT_MACHINE_CONFIG, resolveMachineConfig } from './backends/sim/config.js';
export type { GroundTruthConfig, GroundTruthView, MachineConfig } from './backends/sim/config.js';
export { DEFAULT_COST_MODEL, estimateOverhead, zeroCosts } from './backends/sim/costs.js';
export type { CostModel, MachineCosts, OverheadEstimate } from './backends/sim/costs.js';
export { GroundTruth } from './backends/sim/ground-truth.js';
export { DirtyTruth } from './backends/sim/dirty-truth.js';
export type { DirtyTruthWindow } from './backends/sim/dirty-truth.js';
export { PageSamplingEstimator, QEMU_SAMPLE_PAGES_PER_GIB } from './backends/sim/page-sampling.js';
export type { PageSamplingWindow } from './backends/sim/page-sampling.js';
export type { GroundTruthInterval, GroundTruthWindow, ViewCounts } from './backends/sim/ground-truth.js';
export type { NodeStats } from './backends/sim/physical-memory.js';
export type { MadviseAdvice } from './backends/sim/madvise.js';
export {
  RECORD_FORMATS,
  recordHeader,
  recordKeyString,
  regionSize,
  snapshotTotalBytes,
} from './records/types.js';
export type {
  DamonRecord,
  RecordFormat,
  RecordHeader,
  RecordIntervals,
  RecordRegion,
  RegionBreakdown,
  RegionNuma,
  Snapshot,
  TargetId,
  IntervalsGoal as RecordIntervalsGoal,
} from './records/types.js';
export { RecordWriter, flushOnSignals } from './records/writer.js';
export type { RecordWriterOptions } from './records/writer.js';
export { readRecords, readRecordHeaders, streamRecords, sniffRecordFile } from './records/reader.js';
export type { RecordStreamHandler, StreamResult } from './records/reader.js';
export { streamColumnar } from './records/reader.js';
export type { ColumnarStreamHandler, ColumnarStreamOptions } from './records/reader.js';
export type { ColumnarSnapshot, RegionColumns } from './records/columns.js';
export { columnsToSnapshot, snapshotToColumns } from './records/columns.js';
export { mergeColumnar } from './reports/adjust.js';
export { columnsWss } from './reports/wss.js';
export { DamoLayout, recordsToBytes, writeRecordsFile } from './records/write-file.js';
export { convertRecordFile } from './records/convert.js';
export { textToBytes, textToNr, textToNs, textToUs } from './records/textnum.js';
export { fmtNr, fmtSz, fmtSzAccurate, fmtTimeNs } from './records/pyformat.js';
export { adjustRecords, mergeSnapshots, Windower } from './reports/adjust.js';
export { computeWss, formatWss, snapshotWss, WSS_DEFAULTS } from './reports/wss.js';
export type { WssOptions } from './reports/wss.js';
export { computeGuides, formatGuide, hottestRegion } from './reports/guide.js';
export type { Guide, ContiguousRegion } from './reports/guide.js';
export { computeHeatmaps, formatHeatmapAscii, formatHeatmapRaw } from './reports/heatmap.js';
export type { Heatmap, HeatmapOptions } from './reports/heatmap.js';
export { breakdownSamples } from './reports/breakdown.js';
export { computeNuma, formatNuma, numaToJson, overallRemote } from './reports/numa.js';
export type { NumaRecordView, NumaRegionView, NumaSnapshotView } from './reports/numa.js';
export type { BreakdownBy } from './reports/breakdown.js';
export { formatAccess, temperature, ACCESS_DEFAULTS } from './reports/access.js';
export type { AccessOptions, AccessStyle } from './reports/access.js';
export { fillAccessUnits } from './reports/access-filter.js';
export { reportRawForm } from './reports/raw-form.js';
export { reportNrRegions } from './reports/nr-regions.js';
export { validateRecordFile } from './reports/validate.js';
export { heatmapSvg, svgToPng, wssPlotSvg } from './reports/plot.js';
export { stringSink, fdSink, TextSink } from './reports/output.js';
export {
  DEFAULT_DOWNTIME_LIMIT_S,
  DIRTY_DEFAULTS,
  dirtyCurve,
  dirtyReportOf,
  dirtyWindows,
  forecastPrecopy,
  rankDirty,
  windowDirtyBytes,
  writeSeriesOf,
} from './reports/dirty.js';
export type {
  DirtyOptions,
  DirtyWindow,
  PrecopyForecast,
  TargetDirtyReport,
  WriteSeries,
  WriteSnapshot,
} from './reports/dirty.js';
export { dirtyToJson, formatDirty } from './reports/dirty-format.js';
export { simOps, registerSimOps } from './ops/register.js';
export { attachMachine, detachMachine, simBindingOf, isWriteOnlyView } from './ops/sim-binding.js';
export type { ProtectionKind, SimBinding, SimOpsCounts, SimOpsOptions } from './ops/sim-binding.js';
export { makeVaddrOps } from './ops/vaddr.js';
export { makePaddrOps } from './ops/paddr.js';
export { makeReportOps, REPORT_OPS_ID } from './ops/report-only.js';
export type { ReportOpsOptions } from './ops/report-only.js';
export { SimSession, loadSimWorkload, machineWithWorkload, DEFAULT_WORKLOAD } from './runners/sim-session.js';
export type { SimSessionOptions } from './runners/sim-session.js';
export { contextFromConfig, contextsFromConfig, sampleFilterOf } from './runners/contexts.js';
export { bindSimContext, newSimContext } from './runners/sim-context.js';
export { setupSimRun } from './runners/sim-run.js';
export type { SimRun, SimRunSpec } from './runners/sim-run.js';
export { recordContext } from './runners/snapshot-recorder.js';
export type { RecordContextOptions } from './runners/snapshot-recorder.js';
export { runLiveSession } from './runners/live-session.js';
export type { LiveSessionOptions, LiveSessionResult } from './runners/live-session.js';
export {
  runEval,
  runEvalAsync,
  evalSteps,
  DEFAULT_SETUPS,
  DEFAULT_HOT_PERCENT,
  priceCounts,
} from './eval/eval.js';
export type { EvalOptions, EvalResult, EvalSetup, SetupResult } from './eval/eval.js';
export { formatEval, evalToJson } from './eval/format.js';
export { parseSetup } from './eval/setups.js';
export {
  avoidedPerFault,
  formatPlacementTable,
  PLACEMENT_POLICIES,
  runNumaPlacement,
} from './eval/numa-placement.js';
export type { NumaPlacementOptions, NumaPlacementResult, PlacementPolicy } from './eval/numa-placement.js';
export { formatDirtyEval, runDirtyEval } from './eval/dirty-rate.js';
export type { DirtyEvalOptions, DirtyEvalResult, DirtyEvalTarget } from './eval/dirty-rate.js';
export { windowAccuracy, summarize } from './eval/metrics.js';
export type { AccuracySummary, WindowAccuracy } from './eval/metrics.js';
export { Scheme, matchAllPattern } from './schemes/scheme.js';
export { SchemesEngine } from './schemes/engine.js';
export type { SchemesEngineOptions, SchemesTrace, WalkFn } from './schemes/engine.js';
export type { SchemesMetrics } from './schemes/metrics.js';
export { commitScheme, commitSchemes, commitQuotaGoals } from './schemes/commit.js';
export type {
  AccessPattern,
  DamosFilter,
  GoalTuner,
  MigrateDest,
  Quota,
  QuotaGoal,
  QuotaGoalMetric,
  SchemeSpec,
  SchemeStats,
  TriedRegion,
  WatermarkMetric,
  Watermarks,
} from './schemes/types.js';
export {
  schemeHandlers,
  schemeSupportOf,
  checkActionSupported,
  SUPPORTED_ACTIONS,
  MemoryCgroups,
  MAJOR_FAULT_STALL_US,
} from './ops/actions/index.js';
export type { SchemeSupport, OpsKind } from './ops/actions/index.js';
export { VirtualSysfs, normalizeSysfsPath } from './interfaces/sysfs/tree.js';
export { SimHost } from './runners/sim-host.js';
export { runSysfsScript, virtualIo, kernelIo } from './interfaces/sysfs/script.js';
export type { SysfsIo } from './interfaces/sysfs/script.js';
export { configOfTree, writeConfigToTree } from './interfaces/sysfs/config.js';
export { SimDaemon } from './interfaces/daemon/server.js';
export { Feed, frameOf } from './interfaces/web/server/feed.js';
export type { FeedOptions, LiveCounters, Stream, StreamSources } from './interfaces/web/server/feed.js';
export { recordFeed } from './interfaces/web/server/record-feed.js';
export { liveFeed, runSimLive, schemeRows } from './interfaces/web/server/live-feed.js';
export type { LiveRun as DashboardLiveRun, LiveSimOptions } from './interfaces/web/server/live-feed.js';
export { startServer } from './interfaces/web/server/server.js';
export { isLoopback } from './interfaces/web/server/access.js';
export type { RunningServer, ServerOptions } from './interfaces/web/server/server.js';
export { FrameStore, mergeFrames, encodeFrames, decodeFrames } from './interfaces/web/shared/frame.js';
export type { Frame, FrameMeta, SchemeStatsRow } from './interfaces/web/shared/frame.js';
export { feedRegistry } from './interfaces/web/server/metrics.js';
