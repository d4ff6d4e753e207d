import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CustomerRef as CustomerRefModel, Wallet as WalletModel, FxQuote as FxQuoteModel } from '../../../lib/domain.js';
import type { Money as MoneyModel } from '../../../lib/money.js';
import type { WalletContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date and time in ISO 8601 form (UTC), e.g. "2025-06-01T10:00:00.000Z". */
  DateTime: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** What an audited field reads (lib/audited.ts). */
export type AuditCategory =
  /** Account numbers, balances, amounts, transactions, cards, wallets and payments. */
  | 'FINANCIAL'
  /** Know-your-customer results and risk ratings. */
  | 'KYC'
  /** Who a customer is: names, contact details, date of birth; a customer looked up by id. */
  | 'PERSONAL';

export type Customer = {
  __typename?: 'Customer';
  id: Scalars['ID']['output'];
  /** The customer's multi-currency wallet. Null when the FX wallet cannot be reached or the customer has none. */
  wallet?: Maybe<Wallet>;
};

/** A firm price for a conversion, valid until expiresAt. */
export type FxQuote = {
  __typename?: 'FxQuote';
  buy: Money;
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Units of buy.currency per unit of sell.currency. */
  rate: Scalars['String']['output'];
  sell: Money;
};

/** An indicative exchange rate from the reference rates (not a firm price: for that, quoteConversion). */
export type FxRate = {
  __typename?: 'FxRate';
  /** Date of the reference rates. */
  asOf: Scalars['String']['output'];
  from: Scalars['String']['output'];
  /** Units of 'to' per one unit of 'from', exact decimal. */
  rate: Scalars['String']['output'];
  to: Scalars['String']['output'];
};

/** An amount of money: an exact decimal string in major units (never a float) and its ISO 4217 currency code. */
export type Money = {
  __typename?: 'Money';
  amount: Scalars['String']['output'];
  currency: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** A firm quote for selling an amount of one currency for another. Converting with it is the convertCurrency journey. */
  quoteConversion?: Maybe<FxQuote>;
};


export type MutationQuoteConversionArgs = {
  buy: Scalars['String']['input'];
  sell: Scalars['String']['input'];
  sellAmount: Scalars['String']['input'];
};

export type Query = {
  __typename?: 'Query';
  /** An indicative rate from the reference rates. */
  fxRate?: Maybe<FxRate>;
  /** The signed-in customer. */
  me?: Maybe<Customer>;
};


export type QueryFxRateArgs = {
  from: Scalars['String']['input'];
  to: Scalars['String']['input'];
};

/** A multi-currency wallet: one pocket per currency. */
export type Wallet = {
  __typename?: 'Wallet';
  id: Scalars['ID']['output'];
  pockets: Array<Money>;
  /** What the whole wallet is worth in one currency, at today's reference rates. Null when rates cannot be read. */
  total?: Maybe<Money>;
};


/** A multi-currency wallet: one pocket per currency. */
export type WalletTotalArgs = {
  currency: Scalars['String']['input'];
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Customer: Customer;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Customer:
    ( { __typename: 'Customer' }
    & GraphQLRecursivePick<FederationTypes['Customer'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  AuditCategory: AuditCategory;
  Customer: ResolverTypeWrapper<CustomerRefModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  FxQuote: ResolverTypeWrapper<FxQuoteModel>;
  FxRate: ResolverTypeWrapper<FxRate>;
  Money: ResolverTypeWrapper<MoneyModel>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Wallet: ResolverTypeWrapper<WalletModel>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Customer: CustomerRefModel;
  ID: Scalars['ID']['output'];
  DateTime: Scalars['DateTime']['output'];
  FxQuote: FxQuoteModel;
  FxRate: FxRate;
  Money: MoneyModel;
  Mutation: Record<PropertyKey, never>;
  Query: Record<PropertyKey, never>;
  Wallet: WalletModel;
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
}>;

export type AuditedDirectiveArgs = {
  category: AuditCategory;
};

export type AuditedDirectiveResolver<Result, Parent, ContextType = WalletContext, Args = AuditedDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ScopesDirectiveArgs = {
  requires: Array<Scalars['String']['input']>;
};

export type ScopesDirectiveResolver<Result, Parent, ContextType = WalletContext, Args = ScopesDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type CustomerResolvers<ContextType = WalletContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer'], FederationReferenceType extends FederationReferenceTypes['Customer'] = FederationReferenceTypes['Customer']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  wallet?: Resolver<Maybe<ResolversTypes['Wallet']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type FxQuoteResolvers<ContextType = WalletContext, ParentType extends ResolversParentTypes['FxQuote'] = ResolversParentTypes['FxQuote']> = ResolversObject<{
  buy?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  rate?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sell?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
}>;

export type FxRateResolvers<ContextType = WalletContext, ParentType extends ResolversParentTypes['FxRate'] = ResolversParentTypes['FxRate']> = ResolversObject<{
  asOf?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  from?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rate?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MoneyResolvers<ContextType = WalletContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = WalletContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  quoteConversion?: Resolver<Maybe<ResolversTypes['FxQuote']>, ParentType, ContextType, RequireFields<MutationQuoteConversionArgs, 'buy' | 'sell' | 'sellAmount'>>;
}>;

export type QueryResolvers<ContextType = WalletContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  fxRate?: Resolver<Maybe<ResolversTypes['FxRate']>, ParentType, ContextType, RequireFields<QueryFxRateArgs, 'from' | 'to'>>;
  me?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
}>;

export type WalletResolvers<ContextType = WalletContext, ParentType extends ResolversParentTypes['Wallet'] = ResolversParentTypes['Wallet']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  pockets?: Resolver<Array<ResolversTypes['Money']>, ParentType, ContextType>;
  total?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType, RequireFields<WalletTotalArgs, 'currency'>>;
}>;

export type Resolvers<ContextType = WalletContext> = ResolversObject<{
  Customer?: CustomerResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  FxQuote?: FxQuoteResolvers<ContextType>;
  FxRate?: FxRateResolvers<ContextType>;
  Money?: MoneyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Wallet?: WalletResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = WalletContext> = ResolversObject<{
  audited?: AuditedDirectiveResolver<any, any, ContextType>;
  scopes?: ScopesDirectiveResolver<any, any, ContextType>;
}>;
