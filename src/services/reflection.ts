/**
 * gRPC server reflection (grpc.reflection.v1, and v1alpha, which grpcurl and older clients still ask
 * first) over the descriptors protoc-gen-es embeds in src/gen: `buf curl` and `grpcurl` call the API
 * port without the .proto files. Answers come from the files of the services given, and the files those
 * import, nothing else: reflection shows the API's schema, not every type linked into the process.
 */
import {
  createRegistry,
  type DescFile,
  type DescService,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  type ServerReflectionRequest as RequestV1,
  type ServerReflectionResponseSchema as ResponseV1Schema,
  ServerReflection as ServerReflectionV1,
} from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** gRPC status codes carried in ErrorResponse.error_code (the protocol sends them as numbers). */
const NOT_FOUND = 5;
const INVALID_ARGUMENT = 3;

/** A request of either protocol version: the two differ only in their package name. */
type ReflectionRequest = Omit<RequestV1, "$typeName" | "$unknown">;
/** An answer of either version, as Connect accepts it from a handler (an init shape, no type name). */
type ReflectionResponse = Omit<MessageInitShape<typeof ResponseV1Schema>, "$typeName">;

/** Every file the given files import, transitively, the given ones first. */
function closure(files: Iterable<DescFile>): Map<string, DescFile> {
  const out = new Map<string, DescFile>();
  const visit = (f: DescFile) => {
    if (out.has(f.name)) return;
    out.set(f.name, f);
    for (const d of f.dependencies) visit(d);
  };
  for (const f of files) visit(f);
  return out;
}

/**
 * Answers reflection requests for the given services. One instance per stream: a file already sent on
 * the stream is not sent again as an import (as grpc-go does), but always when asked for by name.
 */
export function createReflectionAnswerer(services: readonly DescService[]) {
  const files = closure(services.map((s) => s.file));
  const registry = createRegistry(...files.values());
  const serviceNames = services.map((s) => s.typeName);

  const fileOf = (symbol: string): DescFile | undefined => {
    const direct = registry.get(symbol);
    if (direct !== undefined) return direct.file;
    // A method or a field: its service or message names the file.
    const dot = symbol.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const parent = registry.get(symbol.slice(0, dot));
    if (parent?.kind === "service" && parent.methods.some((m) => m.name === symbol.slice(dot + 1)))
      return parent.file;
    if (parent?.kind === "message" && parent.fields.some((f) => f.name === symbol.slice(dot + 1)))
      return parent.file;
    return undefined;
  };

  return () => {
    const sent = new Set<string>();
    const withImports = (file: DescFile): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (const f of closure([file]).values()) {
        if (f !== file && sent.has(f.name)) continue;
        sent.add(f.name);
        out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      }
      return out;
    };
    const notFound = (what: string): ReflectionResponse["messageResponse"] => ({
      case: "errorResponse",
      value: { errorCode: NOT_FOUND, errorMessage: `${what} not found` },
    });

    return (req: ReflectionRequest): ReflectionResponse => {
      const r = req.messageRequest;
      let messageResponse: ReflectionResponse["messageResponse"];
      switch (r.case) {
        case "fileByFilename": {
          const f = files.get(r.value);
          messageResponse = f
            ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: withImports(f) } }
            : notFound(`file "${r.value}"`);
          break;
        }
        case "fileContainingSymbol": {
          const f = fileOf(r.value);
          messageResponse = f
            ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: withImports(f) } }
            : notFound(`symbol "${r.value}"`);
          break;
        }
        case "fileContainingExtension": {
          const { containingType, extensionNumber } = r.value;
          const message = registry.getMessage(containingType);
          const ext = message && registry.getExtensionFor(message, extensionNumber);
          messageResponse = ext
            ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: withImports(ext.file) } }
            : notFound(`extension ${extensionNumber} of "${containingType}"`);
          break;
        }
        case "allExtensionNumbersOfType": {
          const message = registry.getMessage(r.value);
          const numbers: number[] = [];
          for (const d of registry)
            if (d.kind === "extension" && d.extendee.typeName === r.value) numbers.push(d.number);
          messageResponse = message
            ? {
                case: "allExtensionNumbersResponse",
                value: { baseTypeName: r.value, extensionNumber: numbers },
              }
            : notFound(`message type "${r.value}"`);
          break;
        }
        case "listServices":
          messageResponse = {
            case: "listServicesResponse",
            value: { service: serviceNames.map((name) => ({ name })) },
          };
          break;
        default:
          messageResponse = {
            case: "errorResponse",
            value: { errorCode: INVALID_ARGUMENT, errorMessage: "message_request: none set" },
          };
      }
      return { validHost: req.host, originalRequest: req, messageResponse };
    };
  };
}

/**
 * Registers grpc.reflection.v1 and v1alpha ServerReflection on the router, describing `services` and
 * the reflection services themselves (clients list them too).
 */
export function registerReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const answerer = createReflectionAnswerer([...services, ServerReflectionV1, ServerReflectionV1alpha]);
  const info = async function* (requests: AsyncIterable<ReflectionRequest>) {
    const answer = answerer();
    for await (const req of requests) yield answer(req);
  };
  router.service(ServerReflectionV1, { serverReflectionInfo: info });
  router.service(ServerReflectionV1alpha, {
    // The v1alpha messages are v1's under another package name: same fields, same numbers.
    serverReflectionInfo: info as never,
  });
}
