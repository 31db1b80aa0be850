//! Expansion of `#[derive(tauri_plugin_mizan::Form)]`: reads the struct's
//! `#[serde(...)]` attributes (wire names, defaults, skips) and validator's
//! `#[validate(...)]` rules, and implements the plugin's `Form` trait: the
//! schema of the fields for the IR, and the wire name of each Rust field
//! (validator reports errors by Rust field name; the webview knows the
//! wire names).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{
    ext::IdentExt, meta::ParseNestedMeta, spanned::Spanned, Attribute, Data, DeriveInput, Expr,
    Fields, GenericArgument, LitStr, PathArguments, Type,
};

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`Form` derives on a struct with named fields: a form is a set of named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`Form` derives on a struct with named fields: a form is a set of named fields",
        ));
    };
    let container = serde_container(&input.attrs)?;
    let krate = quote!(::tauri_plugin_mizan::__private);

    let mut schema = Vec::new();
    let mut arms = Vec::new();
    for field in &named.named {
        let ident = field.ident.as_ref().expect("a named field");
        let rust = ident.unraw().to_string();
        let serde = serde_field(&field.attrs)?;
        let wire = match (&serde.rename, container.rename_all) {
            (Some(name), _) => name.clone(),
            (None, Some(rule)) => rule.apply(&rust),
            (None, None) => rust.clone(),
        };
        let rules = validate_rules(&field.attrs)?;
        let shape = Shape::of(&field.ty);
        let nested = rules.nested.then_some(shape.inner).map(|inner| {
            quote_spanned!(inner.span()=> <#inner as #krate::Form>::wire_field as fn(&str) -> ::core::option::Option<#krate::WireField>)
        });
        let nested_map = match &nested {
            Some(map) => quote!(::core::option::Option::Some(#map)),
            None => quote!(::core::option::Option::None),
        };
        arms.push(quote! {
            #rust => ::core::option::Option::Some(#krate::WireField { name: #wire, nested: #nested_map }),
        });
        if serde.skip {
            continue;
        }
        if serde.flatten {
            return Err(syn::Error::new_spanned(
                ident,
                "a form field cannot be `#[serde(flatten)]`: its errors would have no path; name the nested struct's field and mark it `#[validate(nested)]`",
            ));
        }
        let required = rules.required || !(shape.optional || serde.default || container.default);
        let kind = if shape.list {
            quote!(#krate::FieldKind::List)
        } else if rules.nested {
            quote!(#krate::FieldKind::Object)
        } else {
            shape.kind(&krate)
        };
        let fields = match (rules.nested, shape.inner) {
            (true, inner) => {
                quote_spanned!(inner.span()=> <#inner as #krate::Form>::form_fields())
            }
            (false, _) => quote!(::std::vec::Vec::new()),
        };
        let checks = &rules.tokens;
        schema.push(quote! {
            #krate::FormField {
                name: ::std::string::String::from(#wire),
                kind: #kind,
                required: #required,
                rules: ::std::vec![#(#checks),*],
                fields: #fields,
            }
        });
    }

    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        #[automatically_derived]
        #[allow(clippy::all)]
        impl #impl_generics #krate::Form for #name #ty_generics #where_clause {
            fn form_fields() -> ::std::vec::Vec<#krate::FormField> {
                ::std::vec![#(#schema),*]
            }
            fn wire_field(rust: &str) -> ::core::option::Option<#krate::WireField> {
                match rust {
                    #(#arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    })
}

// serde ------------------------------------------------------------------------

/// serde's `rename_all` rules, applied to a Rust field name (snake_case).
#[derive(Clone, Copy)]
enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    fn parse(lit: &LitStr) -> syn::Result<Self> {
        Ok(match lit.value().as_str() {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            other => {
                return Err(syn::Error::new_spanned(
                    lit,
                    format!("unknown `rename_all` rule `{other}`"),
                ))
            }
        })
    }

    /// What serde makes of the field name `field`.
    fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => {
                let mut out = String::new();
                let mut capitalize = true;
                for c in field.chars() {
                    if c == '_' {
                        capitalize = true;
                    } else if capitalize {
                        out.push(c.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
            RenameRule::Camel => {
                let pascal = RenameRule::Pascal.apply(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

#[derive(Default)]
struct SerdeContainer {
    rename_all: Option<RenameRule>,
    default: bool,
}

#[derive(Default)]
struct SerdeField {
    rename: Option<String>,
    skip: bool,
    default: bool,
    flatten: bool,
}

/// `name = "x"`, or `name(deserialize = "x")`: the name a form is read by.
/// `None` when only `serialize` is given.
fn de_name(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut found = None;
    meta.parse_nested_meta(|inner| {
        let lit: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("deserialize") {
            found = Some(lit);
        }
        Ok(())
    })?;
    Ok(found)
}

/// Consumes whatever a serde attribute this derive does not read holds.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

fn serde_container(attrs: &[Attribute]) -> syn::Result<SerdeContainer> {
    let mut out = SerdeContainer::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                if let Some(lit) = de_name(&meta)? {
                    out.rename_all = Some(RenameRule::parse(&lit)?);
                }
            } else if meta.path.is_ident("default") {
                out.default = true;
                skip_value(&meta)?;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn serde_field(attrs: &[Attribute]) -> syn::Result<SerdeField> {
    let mut out = SerdeField::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("rename") {
                if let Some(lit) = de_name(&meta)? {
                    out.rename = Some(lit.value());
                }
            } else if path.is_ident("skip") || path.is_ident("skip_deserializing") {
                out.skip = true;
            } else if path.is_ident("default") {
                out.default = true;
                skip_value(&meta)?;
            } else if path.is_ident("flatten") {
                out.flatten = true;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

// The field's type ------------------------------------------------------------

/// What the derive reads of a field's type: whether it is an `Option`, a
/// list, and the type inside both (a nested form's type).
struct Shape<'a> {
    optional: bool,
    list: bool,
    inner: &'a Type,
}

/// The last segment of a path type and its one type argument, if any.
fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(p) = ty else {
        return None;
    };
    let seg = p.path.segments.last()?;
    let arg = match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    };
    Some((seg.ident.to_string(), arg))
}

const LISTS: &[&str] = &["Vec", "VecDeque", "HashSet", "BTreeSet", "IndexSet"];

impl<'a> Shape<'a> {
    fn of(ty: &'a Type) -> Self {
        let mut shape = Shape {
            optional: false,
            list: false,
            inner: ty,
        };
        if let Some(("Option", Some(inner))) =
            last_segment(ty).as_ref().map(|(n, a)| (n.as_str(), *a))
        {
            shape.optional = true;
            shape.inner = inner;
        }
        let peeled = shape.inner;
        match last_segment(peeled) {
            Some((name, Some(item))) if LISTS.contains(&name.as_str()) => {
                shape.list = true;
                shape.inner = item;
            }
            Some((name, Some(item))) if name == "Box" => shape.inner = item,
            _ => {}
        }
        if let Type::Slice(s) = peeled {
            shape.list = true;
            shape.inner = &s.elem;
        }
        if let Type::Array(a) = peeled {
            shape.list = true;
            shape.inner = &a.elem;
        }
        shape
    }

    /// The kind of a field that is neither a list nor a nested form.
    fn kind(&self, krate: &TokenStream) -> TokenStream {
        let name = match self.inner {
            Type::Reference(r) => last_segment(&r.elem).map(|(n, _)| n),
            other => last_segment(other).map(|(n, _)| n),
        };
        match name.as_deref() {
            Some("String" | "str" | "Cow" | "char") => quote!(#krate::FieldKind::String),
            Some(
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize",
            ) => quote!(#krate::FieldKind::Integer),
            Some("f32" | "f64") => quote!(#krate::FieldKind::Number),
            Some("bool") => quote!(#krate::FieldKind::Boolean),
            _ => quote!(#krate::FieldKind::Value),
        }
    }
}

// validator's rules --------------------------------------------------------------

/// The rules of one field: the `Rule` values for the schema, and the two
/// rules that change the field's shape.
struct Rules {
    tokens: Vec<TokenStream>,
    nested: bool,
    required: bool,
}

/// The `code = "..."` of a rule, if it names one.
struct RuleArgs {
    values: Vec<(String, Expr)>,
    code: Option<LitStr>,
}

impl RuleArgs {
    fn read(meta: &ParseNestedMeta<'_>) -> syn::Result<Self> {
        let mut out = RuleArgs {
            values: Vec::new(),
            code: None,
        };
        if !meta.input.peek(syn::token::Paren) {
            return Ok(out);
        }
        meta.parse_nested_meta(|inner| {
            let key = inner
                .path
                .get_ident()
                .map(|i| i.unraw().to_string())
                .unwrap_or_default();
            if inner.input.peek(syn::Token![=]) {
                let value: Expr = inner.value()?.parse()?;
                if key == "code" {
                    if let Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = &value
                    {
                        out.code = Some(s.clone());
                    }
                }
                out.values.push((key, value));
            } else {
                skip_value(&inner)?;
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn get(&self, key: &str) -> Option<&Expr> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// `Some((expr) as ty)` or `None`.
    fn number(&self, key: &str, ty: TokenStream) -> TokenStream {
        match self.get(key) {
            Some(e) => quote_spanned!(e.span()=> ::core::option::Option::Some((#e) as #ty)),
            None => quote!(::core::option::Option::None),
        }
    }
}

fn validate_rules(attrs: &[Attribute]) -> syn::Result<Rules> {
    let krate = quote!(::tauri_plugin_mizan::__private);
    let mut out = Rules {
        tokens: Vec::new(),
        nested: false,
        required: false,
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("validate")) {
        attr.parse_nested_meta(|meta| {
            let word = meta
                .path
                .get_ident()
                .map(|i| i.unraw().to_string())
                .unwrap_or_default();
            let args = RuleArgs::read(&meta)?;
            let server = |default: &str| {
                let code = args
                    .code
                    .as_ref()
                    .map_or_else(|| default.to_owned(), LitStr::value);
                quote!(#krate::Rule::Server(::std::string::String::from(#code)))
            };
            let rule = match word.as_str() {
                "length" => {
                    let (min, max, equal) = (
                        args.number("min", quote!(u64)),
                        args.number("max", quote!(u64)),
                        args.number("equal", quote!(u64)),
                    );
                    quote!(#krate::Rule::Length { min: #min, max: #max, equal: #equal })
                }
                "range" => {
                    let (min, max, emin, emax) = (
                        args.number("min", quote!(f64)),
                        args.number("max", quote!(f64)),
                        args.number("exclusive_min", quote!(f64)),
                        args.number("exclusive_max", quote!(f64)),
                    );
                    quote!(#krate::Rule::Range { min: #min, max: #max, exclusive_min: #emin, exclusive_max: #emax })
                }
                "email" => quote!(#krate::Rule::Email),
                "url" => quote!(#krate::Rule::Url),
                "required" => {
                    out.required = true;
                    quote!(#krate::Rule::Required)
                }
                "regex" => match args.get("path") {
                    Some(path) => quote_spanned!(path.span()=> {
                        let __regex = &(#path);
                        #krate::Rule::Pattern(::std::string::ToString::to_string(
                            #krate::validator::AsRegex::as_regex(&__regex).as_str(),
                        ))
                    }),
                    None => server("regex"),
                },
                "nested" => {
                    out.nested = true;
                    return Ok(());
                }
                // The struct's own switches, not rules.
                "skip" => return Ok(()),
                "custom" => server("custom"),
                other => server(other),
            };
            out.tokens.push(rule);
            Ok(())
        })?;
    }
    Ok(out)
}
